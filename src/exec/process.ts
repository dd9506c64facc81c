import { launchDirectly } from './launch.ts'
import type { Launch } from './launch.ts'
import { ProcessAbortedError, ProcessSpawnError, ProcessTimeoutError } from './errors.ts'

/** How long a child gets to exit after SIGTERM before it is sent SIGKILL. */
export const DEFAULT_KILL_GRACE_MS = 2_000
/** How many stderr lines are kept for error messages. */
export const DEFAULT_STDERR_TAIL_LINES = 20
/** Collected stdout is capped so a runaway child cannot exhaust memory. */
export const DEFAULT_MAX_STDOUT_BYTES = 64 * 1024 * 1024

const MAX_LINE_CHARS = 2_000

export interface RunProcessOptions {
  /** Used in messages: `ffmpeg`, `ffprobe`. */
  label: string
  cwd?: string | undefined
  /** The child is killed (SIGTERM, then SIGKILL) when it runs longer than this. */
  timeoutMs: number
  signal?: AbortSignal | undefined
  /** @default DEFAULT_KILL_GRACE_MS */
  killGraceMs?: number | undefined
  /** Streams stdout to the caller instead of collecting it. */
  onStdout?: ((chunk: string) => void) | undefined
  /** @default DEFAULT_MAX_STDOUT_BYTES */
  maxStdoutBytes?: number | undefined
  /** @default DEFAULT_STDERR_TAIL_LINES */
  stderrTailLines?: number | undefined
  /** Called once the child is running. */
  onSpawn?: ((pid: number) => void) | undefined
  /** Every chunk of stderr as it comes (a step keeps ffmpeg's whole log). */
  onStderr?: ((chunk: string) => void) | undefined
  /** How the child is started: @default launchDirectly (a child of this process) */
  launch?: Launch | undefined
}

export interface ProcessResult {
  exitCode: number | null
  signal: NodeJS.Signals | null
  /** Collected stdout; empty when `onStdout` was given. */
  stdout: string
  /** The last lines of stderr. */
  stderrTail: string[]
}

/** Keeps the last `max` lines of a stream without holding all of it. */
class LineTail {
  readonly lines: string[] = []
  private partial = ''
  private readonly max: number

  constructor (max: number) {
    this.max = max
  }

  push (chunk: string): void {
    const parts = (this.partial + chunk).split(/\r?\n|\r/)
    this.partial = (parts.pop() ?? '').slice(-MAX_LINE_CHARS)
    for (const line of parts) this.add(line)
  }

  end (): string[] {
    if (this.partial !== '') this.add(this.partial)
    this.partial = ''
    return this.lines
  }

  private add (line: string): void {
    if (line.trim() === '') return
    this.lines.push(line.slice(0, MAX_LINE_CHARS))
    if (this.lines.length > this.max) this.lines.shift()
  }
}

/**
 * Runs a child to completion. Resolves with its exit status (zero or not) once
 * it has exited; rejects with ProcessAbortedError or ProcessTimeoutError only
 * after the killed child has exited too, so no process outlives the call.
 */
export async function runProcess (file: string, args: string[], options: RunProcessOptions): Promise<ProcessResult> {
  const { label, signal } = options
  if (signal?.aborted === true) {
    throw new ProcessAbortedError(`${label} was not started: the operation was aborted`, undefined, { cause: signal.reason })
  }
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS
  const maxStdout = options.maxStdoutBytes ?? DEFAULT_MAX_STDOUT_BYTES
  const tail = new LineTail(options.stderrTailLines ?? DEFAULT_STDERR_TAIL_LINES)

  return await new Promise<ProcessResult>((resolve, reject) => {
    const child = (options.launch ?? launchDirectly)(file, args, { cwd: options.cwd })
    let stdout = ''
    let stdoutBytes = 0
    let stopReason: 'aborted' | 'timeout' | 'stdout' | undefined
    let graceTimer: NodeJS.Timeout | undefined
    let settled = false

    const stop = (reason: 'aborted' | 'timeout' | 'stdout'): void => {
      if (stopReason !== undefined) return
      stopReason = reason
      child.kill('SIGTERM')
      graceTimer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    }
    const onAbort = (): void => {
      stop('aborted')
    }
    const timeoutTimer = setTimeout(() => {
      stop('timeout')
    }, options.timeoutMs)
    signal?.addEventListener('abort', onAbort, { once: true })

    const cleanup = (): void => {
      settled = true
      clearTimeout(timeoutTimer)
      clearTimeout(graceTimer)
      signal?.removeEventListener('abort', onAbort)
    }

    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      if (options.onStdout != null) {
        options.onStdout(chunk)
        return
      }
      stdoutBytes += Buffer.byteLength(chunk)
      if (stdoutBytes > maxStdout) stop('stdout')
      else stdout += chunk
    })
    child.stderr.on('data', (chunk: string) => {
      tail.push(chunk)
      options.onStderr?.(chunk)
    })

    child.on('spawn', () => {
      if (child.pid !== undefined) options.onSpawn?.(child.pid)
    })
    child.on('error', (err: NodeJS.ErrnoException) => {
      // Only a failed spawn is final here; a failed kill still ends in 'close'.
      if (child.pid !== undefined || settled) return
      cleanup()
      reject(new ProcessSpawnError(`could not start ${label} at ${file}: ${err.code ?? err.message}`, { file, code: err.code }, { cause: err }))
    })
    child.on('close', (exitCode, exitSignal) => {
      if (settled) return
      cleanup()
      const stderrTail = tail.end()
      if (stopReason === 'aborted') {
        reject(new ProcessAbortedError(`${label} was aborted and killed`, { stderrTail }, { cause: signal?.reason }))
      } else if (stopReason === 'timeout') {
        reject(new ProcessTimeoutError(`${label} ran longer than ${options.timeoutMs} ms and was killed`, { timeoutMs: options.timeoutMs, stderrTail }))
      } else if (stopReason === 'stdout') {
        resolve({ exitCode: null, signal: exitSignal, stdout: '', stderrTail: [...stderrTail, `${label}: stdout exceeded ${maxStdout} bytes`] })
      } else {
        resolve({ exitCode, signal: exitSignal, stdout, stderrTail })
      }
    })
  })
}
