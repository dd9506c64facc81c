import type { Launch } from './launch.ts'
import type { Logger } from '../log.ts'
import { isLoopbackUrl, renderArgs } from './command.ts'
import type { FfmpegCommand } from './command.ts'
import { FfmpegFailedError } from './errors.ts'
import { runProcess } from './process.ts'
import { ProgressParser } from './progress.ts'
import type { ProgressEvent } from './progress.ts'
import type { SpawnListener } from './spawns.ts'
import type { Workspace } from './workspace.ts'

export interface RunFfmpegOptions {
  ffmpegPath: string
  /** ffmpeg's cwd; every input, output and auxiliary file must be inside it. */
  workspace: Workspace
  /** ffmpeg -threads; see renderArgs(). */
  threads?: number | undefined
  timeoutMs: number
  signal?: AbortSignal | undefined
  /** The output's expected duration, for ProgressEvent.fraction. */
  expectedDurationMs?: number | null | undefined
  onProgress?: ((event: ProgressEvent) => void) | undefined
  onSpawn?: SpawnListener | undefined
  /** ffmpeg's stderr as it comes, after a `# ffmpeg ARGS` line. */
  onStderr?: ((chunk: string) => void) | undefined
  /** How ffmpeg is started (the daemon's spawner helper); @default a child of this process */
  launch?: Launch | undefined
  /** @default DEFAULT_KILL_GRACE_MS */
  killGraceMs?: number | undefined
  logger?: Logger | undefined
}

export interface RunFfmpegResult {
  args: string[]
  /** The absolute path of the output file. */
  outputPath: string
  elapsedMs: number
}

/**
 * Runs one ffmpeg command inside its workspace. Resolves once ffmpeg exited 0;
 * otherwise rejects with FfmpegFailedError (exit code and error tail),
 * ProcessTimeoutError or ProcessAbortedError, always after ffmpeg has exited.
 */
export async function runFfmpeg (command: FfmpegCommand, options: RunFfmpegOptions): Promise<RunFfmpegResult> {
  const { workspace } = options
  for (const input of command.inputs) if (!isLoopbackUrl(input.file)) await workspace.realPath(input.file)
  for (const file of command.auxFiles ?? []) await workspace.realPath(file)
  const outputPath = workspace.path(command.output.file)

  const args = renderArgs(command, { threads: options.threads })
  const parser = new ProgressParser(options.expectedDurationMs)
  const started = performance.now()
  options.logger?.debug({ args, cwd: workspace.dir }, 'starting ffmpeg')
  options.onStderr?.(`# ffmpeg ${args.join(' ')}\n`)
  const result = await runProcess(options.ffmpegPath, args, {
    label: 'ffmpeg',
    cwd: workspace.dir,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
    killGraceMs: options.killGraceMs,
    onSpawn: pid => options.onSpawn?.({ binary: 'ffmpeg', purpose: 'render', path: options.ffmpegPath, pid }),
    launch: options.launch,
    onStderr: options.onStderr,
    onStdout: chunk => {
      for (const event of parser.push(chunk)) {
        try {
          options.onProgress?.(event)
        } catch (err: unknown) {
          options.logger?.warn({ err }, 'progress listener threw')
        }
      }
    }
  })
  if (result.exitCode !== 0) {
    const status = result.exitCode != null ? `code ${result.exitCode}` : `signal ${result.signal ?? 'unknown'}`
    const last = result.stderrTail.at(-1) ?? 'no error output'
    throw new FfmpegFailedError(`ffmpeg exited with ${status}: ${last}`, {
      exitCode: result.exitCode,
      signal: result.signal,
      errorTail: result.stderrTail,
      args
    })
  }
  return { args, outputPath, elapsedMs: performance.now() - started }
}
