/** Small text formatters for the human output; `--json` never goes through them. */

export function formatBytes (bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${String(units[unit])}`
}

/** `1 step`, `2 steps`. */
export function countOf (n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

/** 93784000 → `1d 2h 3m`; under a minute, seconds. */
export function formatDuration (ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000)
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (s < 60) return `${s}s`
  return [d > 0 ? `${d}d` : '', h > 0 ? `${h}h` : '', `${m}m`].filter(Boolean).join(' ')
}

/** `12s ago`, or `never` for null. */
export function formatAgo (time: number | null, now: number): string {
  return time === null ? 'never' : `${formatDuration(now - time)} ago`
}

export function formatTime (time: number): string {
  return new Date(time).toISOString()
}
