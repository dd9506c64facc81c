import { createRequire } from 'node:module'
import type CliProgress from 'cli-progress'

/**
 * Transfer progress on stderr, only for a person watching: a bar when stderr
 * is a terminal and the output is not JSON, nothing otherwise. The bar owns a
 * timer (its redraw); `stop()` clears it.
 */
export interface Progress {
  update: (done: number) => void
  stop: () => void
}

const silent: Progress = { update: () => {}, stop: () => {} }

function mib (bytes: number): string {
  return (bytes / 1024 ** 2).toFixed(1)
}

export function createProgress (stream: NodeJS.WritableStream & { isTTY?: boolean }, enabled: boolean, label: string, total?: number): Progress {
  if (!enabled || stream.isTTY !== true || total === undefined || total === 0) return silent
  // Loaded only when a bar is drawn: most commands never draw one.
  const require = createRequire(import.meta.url)
  const cliProgress = require('cli-progress') as typeof CliProgress
  const formatTime = require('cli-progress/lib/format-time.js') as NonNullable<CliProgress.Options['formatTime']>
  const bar = new cliProgress.SingleBar({
    stream,
    format: `${label} [{bar}] {percentage}% | {done}/{all} MiB | ETA {eta_formatted}`,
    hideCursor: null,
    clearOnComplete: true,
    // While nothing has moved the library's ETA is the text 'INF', which its own formatter cuts to "NFs".
    formatTime: (eta, options, roundTo) => typeof eta === 'number' && Number.isFinite(eta) ? formatTime(eta, options, roundTo) : '--'
  }, cliProgress.Presets.shades_classic)
  bar.start(total, 0, { done: mib(0), all: mib(total) })
  return {
    update: done => {
      bar.update(done, { done: mib(done) })
    },
    stop: () => {
      bar.stop()
    }
  }
}
