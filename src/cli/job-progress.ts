import { progressLine, shortPeer } from './job-format.ts'
import type { JobDetail } from '../api/index.ts'

/**
 * The live view of a distributed job on stderr: totals and which node runs
 * what, redrawn in place. Only for a person at a terminal; silent otherwise.
 */
export interface JobProgress {
  update: (job: JobDetail) => void
  stop: () => void
}

const SILENT: JobProgress = { update: () => {}, stop: () => {} }

export function createJobProgress (stream: NodeJS.WritableStream & { isTTY?: boolean, columns?: number }, enabled: boolean): JobProgress {
  if (!enabled || stream.isTTY !== true) return SILENT
  let lines = 0
  const clear = (): void => {
    if (lines > 0) stream.write(`\x1b[${lines}A\x1b[0J`)
    lines = 0
  }
  return {
    update (job) {
      const width = (stream.columns ?? 100) - 1
      const running = job.steps.filter(s => s.state === 'RUNNING' || s.state === 'CLAIMED')
      const out = [`${job.recipe}: ${job.state} · ${progressLine(job)}`, ...running.map(s => `  ${s.step} (${s.type}) ${s.state.toLowerCase()} on ${shortPeer(s.peer)}`)]
      clear()
      stream.write(out.map(line => line.slice(0, width)).join('\n') + '\n')
      lines = out.length
    },
    stop () {
      clear()
    }
  }
}
