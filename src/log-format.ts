/**
 * Log lines for people: pino's JSON line as `14:02:07.123 INFO  artdag:daemon
 * daemon ready  peer=12D3… socket=/…`. The daemon writes it on a terminal
 * (`log.format: auto`), and `artdag logs` prints its log file with it. Pure.
 */

const LEVELS: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }
const COLORS: Readonly<Record<number, string>> = { 10: '90', 20: '90', 30: '32', 40: '33', 50: '31', 60: '31' }
/** Fields every line has; the rest follow the message as key=value. */
const FRAME = new Set(['level', 'time', 'msg', 'component', 'pid', 'hostname'])

export interface HumanLogOptions {
  /** ANSI colours for the level (a terminal). */
  color?: boolean
}

function value (v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v)
  return JSON.stringify(v)
}

/** `err` as `Name: message (kind) ← Cause: message`. */
function errorText (err: unknown): string {
  if (typeof err !== 'object' || err === null) return value(err)
  const e = err as { name?: unknown, message?: unknown, kind?: unknown, code?: unknown, cause?: unknown, stack?: unknown }
  const head = `${typeof e.name === 'string' ? e.name : 'Error'}: ${typeof e.message === 'string' ? e.message : ''}${typeof e.code === 'string' ? ` [${e.code}]` : ''}`
  const cause = e.cause !== undefined ? ` ← ${errorText(e.cause)}` : ''
  return `${head}${cause}`
}

/** One JSON log line in the human form; a line that is not JSON is returned as it is. */
export function humanLogLine (line: string, options: HumanLogOptions = {}): string {
  const text = line.trimEnd()
  let entry: Record<string, unknown>
  try {
    const parsed = JSON.parse(text) as unknown
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return text
    entry = parsed as Record<string, unknown>
  } catch {
    return text
  }
  const level = typeof entry.level === 'number' ? entry.level : 30
  const name = (LEVELS[level] ?? String(level)).padEnd(5)
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 23) : typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : ''
  const tag = options.color === true ? `\x1b[${COLORS[level] ?? '0'}m${name}\x1b[0m` : name
  const component = typeof entry.component === 'string' ? `${entry.component}  ` : ''
  const rest = Object.entries(entry)
    .filter(([key]) => !FRAME.has(key))
    .map(([key, v]) => key === 'err' ? `err="${errorText(v)}"` : `${key}=${value(v)}`)
  const stack = typeof (entry.err as { stack?: unknown } | undefined)?.stack === 'string' ? `\n${String((entry.err as { stack: string }).stack)}` : ''
  return `${time} ${tag} ${component}${typeof entry.msg === 'string' ? entry.msg : ''}${rest.length > 0 ? `  ${rest.join(' ')}` : ''}${stack}`
}
