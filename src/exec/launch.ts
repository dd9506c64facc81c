import { spawn } from 'node:child_process'

/** What runProcess reads of a child's output stream. */
export interface ChildOutput {
  setEncoding: (encoding: BufferEncoding) => unknown
  on: (event: 'data', listener: (chunk: string) => void) => unknown
}

/** The part of a ChildProcess that runProcess uses: a child started here or by the spawner helper. */
export interface LaunchedChild {
  readonly pid: number | undefined
  readonly stdout: ChildOutput
  readonly stderr: ChildOutput
  kill: (signal?: NodeJS.Signals) => boolean
  on:
    & ((event: 'spawn', listener: () => void) => unknown)
    & ((event: 'error', listener: (err: NodeJS.ErrnoException) => void) => unknown)
    & ((event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void) => unknown)
}

/** Starts `file` with `args`; stdin closed, stdout and stderr piped. */
export type Launch = (file: string, args: string[], options: { cwd?: string | undefined }) => LaunchedChild

/** A child of this process (the CLI's embedded engine, tests). */
export const launchDirectly: Launch = (file, args, options) => spawn(file, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true }) as unknown as LaunchedChild
