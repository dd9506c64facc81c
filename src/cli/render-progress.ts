import cliProgress from 'cli-progress'
import type { RenderEvent } from '../engine/index.ts'

/**
 * The live view of a render on stderr: one line of totals (done, running,
 * cached, of all steps) and one bar per running step with its percentage from
 * ffmpeg's -progress. Only for a person watching: nothing when stderr is not a
 * terminal or the output is JSON.
 */
export interface RenderProgress {
  onEvent: (event: RenderEvent) => void
  stop: () => void
}

const SILENT: RenderProgress = { onEvent: () => {}, stop: () => {} }

export function createRenderProgress (stream: NodeJS.WritableStream & { isTTY?: boolean }, enabled: boolean): RenderProgress {
  if (!enabled || stream.isTTY !== true) return SILENT
  const multibar = new cliProgress.MultiBar({
    stream,
    hideCursor: true,
    clearOnComplete: false,
    format: '{label} [{bar}] {percentage}% {detail}'
  }, cliProgress.Presets.shades_classic)
  let total = 0
  let done = 0
  let cached = 0
  const running = new Map<string, cliProgress.SingleBar>()
  let summary: cliProgress.SingleBar | undefined
  const detail = (): string => `${done}/${total} done · ${running.size} running · ${cached} cached`
  const refresh = (): void => {
    summary?.update(done, { detail: detail() })
  }
  const finishStep = (stepId: string): void => {
    const bar = running.get(stepId)
    if (bar != null) {
      bar.update(100)
      multibar.remove(bar)
      running.delete(stepId)
    }
  }

  return {
    onEvent (event) {
      switch (event.type) {
        case 'plan':
          total = event.steps
          summary = multibar.create(total, 0, { label: 'steps'.padEnd(14), detail: detail() })
          break
        case 'step_cached':
          done++
          cached++
          break
        case 'step_skipped':
          done++
          break
        case 'step_started':
          running.set(event.stepId, multibar.create(100, 0, { label: event.stepId.slice(0, 14).padEnd(14), detail: event.stepType }))
          break
        case 'step_progress':
          if (event.fraction != null) running.get(event.stepId)?.update(Math.round(event.fraction * 100))
          break
        case 'step_completed':
          finishStep(event.stepId)
          done++
          break
        case 'step_failed':
          finishStep(event.stepId)
          break
      }
      refresh()
    },
    stop () {
      multibar.stop()
    }
  }
}
