/** Small formatters for what the page prints. Pure. Sizes are the CLI's (src/cli/format.ts). */

export { formatBytes as bytes } from '../../src/cli/format.ts'

export function duration (ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–'
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`
  return `${Math.floor(m / 60)} h ${m % 60} min`
}

export function ago (time: number | null | undefined, now: number): string {
  if (time == null) return 'never'
  const ms = now - time
  return ms < 1000 ? 'just now' : `${duration(ms)} ago`
}

export function clock (time: number): string {
  return new Date(time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
}

/** `12D3KooW…Ab3x`: long ids shortened for tables; the full id goes in a title. */
export function short (id: string, keep = 6): string {
  return id.length <= keep * 2 + 1 ? id : `${id.slice(0, keep)}…${id.slice(-keep)}`
}

/** Seconds left from a fraction done and the time spent, or null while nothing is known. */
export function eta (progress: number | null, startedAt: number, now: number): number | null {
  if (progress === null || progress <= 0) return null
  const spent = now - startedAt
  return Math.max(0, spent * (1 - progress) / progress)
}
