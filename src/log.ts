import { closeSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import type { DestinationStream, Logger as PinoLogger, Level, LoggerOptions } from 'pino'
import { humanLogLine } from './log-format.ts'

/**
 * Structured, namespaced logging. Components receive a Logger and derive their
 * own with `forComponent('artdag:lease')`; nothing logs through a module-level
 * singleton. Logs go to stderr (stdout belongs to command output): JSON lines,
 * or lines for people on a terminal; the daemon also keeps them, as JSON lines,
 * in a file of its home (`artdag logs`). A stderr that goes away (its reader
 * quit) is dropped and the logger goes on: logging never stops a daemon.
 */
export interface Logger {
  trace: (obj: Record<string, unknown> | string, msg?: string) => void
  debug: (obj: Record<string, unknown> | string, msg?: string) => void
  info: (obj: Record<string, unknown> | string, msg?: string) => void
  warn: (obj: Record<string, unknown> | string, msg?: string) => void
  error: (obj: Record<string, unknown> | string, msg?: string) => void
  forComponent: (name: string) => Logger
}

export type LogLevel = Level | 'silent'

/** How stderr shows logs: `text` for people, `json` lines, `auto`: text on a terminal, else JSON. */
export type LogFormat = 'auto' | 'text' | 'json'

/** The `log:` config section's defaults (config/default.yaml is checked against them). */
export const LOG_DEFAULTS = { level: 'info', format: 'auto' } as const satisfies { level: LogLevel, format: LogFormat }

/** A log file is set aside (as `<file>.1`, replacing the one before) when it is this big at start. */
export const MAX_LOG_FILE_BYTES = 10 * 1024 * 1024

export interface LoggerInit {
  level?: LogLevel
  /** Where JSON lines go; stderr (fd 2) unless given. */
  destination?: number | string
  /** Fields on every line, e.g. the peer id. */
  base?: Record<string, unknown>
  /** How stderr shows them (with the default destination). @default 'json' */
  format?: LogFormat | undefined
  /** Also append every line, as JSON, to this file (made with its folder, mode 0600). */
  file?: string | undefined
}

/** A logger that owns a file: close() releases it. */
export interface ClosableLogger extends Logger {
  close: () => void
}

/** pino's numbers for the levels: a line is written when its level's is at least the logger's. */
const LEVEL_VALUES: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Number.POSITIVE_INFINITY }

/**
 * The logger over pino, made at the first line written: a command that logs nothing at its level
 * (`artdag render` logs warnings only) loads no pino (~25 modules of its start). pino is
 * CommonJS: required when needed.
 */
function wrap (make: () => PinoLogger, level: LogLevel): Logger {
  let made: PinoLogger | undefined
  const p = (): PinoLogger => (made ??= make())
  const threshold = LEVEL_VALUES[level]
  const call = (at: Level) => (obj: Record<string, unknown> | string, msg?: string): void => {
    if (LEVEL_VALUES[at] < threshold) return
    if (typeof obj === 'string') p()[at](obj)
    else p()[at](obj, msg)
  }
  return {
    trace: call('trace'),
    debug: call('debug'),
    info: call('info'),
    warn: call('warn'),
    error: call('error'),
    forComponent: (name: string) => wrap(() => p().child({ component: name }), level)
  }
}

/** pino, loaded at the first line written (it is CommonJS: required). */
function requirePino (): typeof import('pino')['pino'] {
  return (createRequire(import.meta.url)('pino') as typeof import('pino')).pino
}

function pinoOf (options: LoggerOptions, destination: () => DestinationStream): PinoLogger {
  const pino = requirePino()
  return pino({ ...options, timestamp: pino.stdTimeFunctions.isoTime }, destination())
}

/** How an error looks in a log line: `{ err }` carries the error object, never only its message. */
export interface SerializedError {
  name: string
  message: string
  kind?: string
  code?: string
  cause?: SerializedError
  stack?: string
}

const MAX_CAUSES = 5

/** An error's name, message, kind/code and chain of causes; its stack only when `stack` (debug and trace levels). */
export function serializeError (err: unknown, stack: boolean, depth = 0): SerializedError {
  if (!(err instanceof Error)) return { name: typeof err, message: String(err) }
  const out: SerializedError = { name: err.name, message: err.message }
  const extra = err as Error & { kind?: unknown, code?: unknown }
  if (typeof extra.kind === 'string') out.kind = extra.kind
  if (typeof extra.code === 'string') out.code = extra.code
  if (err.cause !== undefined && depth < MAX_CAUSES) out.cause = serializeError(err.cause, stack, depth + 1)
  if (stack && err.stack !== undefined) out.stack = err.stack
  return out
}

export function createLogger (init: LoggerInit = {}): ClosableLogger {
  const level = init.level ?? LOG_DEFAULTS.level
  const stack = level === 'debug' || level === 'trace'
  const options: LoggerOptions = {
    level,
    base: init.base ?? null,
    serializers: { err: (err: unknown) => serializeError(err, stack) }
  }
  if (init.destination !== undefined || (init.file === undefined && (init.format ?? 'json') === 'json')) {
    const dest = init.destination ?? 2
    const destination = (): DestinationStream => requirePino().destination({ dest, sync: true })
    return { ...wrap(() => pinoOf(options, destination), level), close: () => {} }
  }
  const sink = new LogSink(init.format ?? 'json', init.file)
  return {
    ...wrap(() => pinoOf(options, () => sink), level),
    close: () => {
      sink.close()
    }
  }
}

/** How long a write to a full pipe waits before the line is dropped. */
const MAX_WAIT_MS = 200

/**
 * pino's destination for the daemon: each line to the log file (JSON) and to stderr (JSON or
 * text), synchronously. A stderr whose reader is gone (EPIPE) is dropped, a full disk skips
 * the file: neither throws into the component that logged.
 */
class LogSink {
  readonly #text: boolean
  readonly #color: boolean
  #stderr = true
  #fd: number | undefined

  constructor (format: LogFormat, file: string | undefined) {
    const tty = process.stderr.isTTY
    this.#text = format === 'text' || (format === 'auto' && tty)
    this.#color = this.#text && tty && process.env.NO_COLOR == null
    if (file !== undefined) {
      try {
        // Its folder only: a home that does not exist is not made by logging into it.
        mkdirSync(dirname(file), { mode: 0o700 })
      } catch { /* there already, or no home: then no file */ }
      try {
        if (statSync(file).size > MAX_LOG_FILE_BYTES) renameSync(file, `${file}.1`)
      } catch { /* no file yet */ }
      try {
        this.#fd = openSync(file, 'a', 0o600)
      } catch { /* no home (yet): stderr only */ }
    }
  }

  write (line: string): void {
    if (this.#fd !== undefined) {
      try {
        writeSync(this.#fd, line)
      } catch { /* a full disk loses log lines, not the daemon */ }
    }
    if (!this.#stderr) return
    const out = this.#text ? `${humanLogLine(line, { color: this.#color })}\n` : line
    const deadline = Date.now() + MAX_WAIT_MS
    let offset = 0
    const bytes = Buffer.from(out)
    while (offset < bytes.length) {
      try {
        offset += writeSync(2, bytes, offset)
      } catch (err: unknown) {
        const code = (err as { code?: unknown }).code
        if (code === 'EAGAIN' && Date.now() < deadline) {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2)
          continue
        }
        // EPIPE (the reader quit), EBADF (closed): no stderr from now on; EAGAIN past the wait: this line.
        if (code !== 'EAGAIN') this.#stderr = false
        return
      }
    }
  }

  close (): void {
    if (this.#fd === undefined) return
    closeSync(this.#fd)
    this.#fd = undefined
  }
}

/** A logger that drops everything: for tests and for library use without logs. */
export function silentLogger (): Logger {
  return createLogger({ level: 'silent' })
}
