import { countOf, formatDuration } from './format.ts'
import { formatStepDuration, shortPeer } from './job-format.ts'
import { LiveModel, stepEtaMs } from './live-model.ts'
import type { LiveStep, LiveUpdate } from './live-model.ts'
import type { FramesProgress, NodeParts } from '../plan/light/index.ts'

/**
 * The live display of a render on stderr, the same for a render on this
 * machine and a job on a cluster (./live-model.ts):
 * - on a terminal, a block redrawn in place: the totals and elapsed time, then
 *   one line per running step with its bar, %, elapsed, ETA, node and takeovers;
 * - otherwise (a pipe, a log file), one plain line per event: a step starting,
 *   finishing, failing, taken over, and each quarter of a running step.
 * With `--json` nothing is drawn (stdout carries the result, stderr errors).
 */

export interface LiveView {
  update: (update: LiveUpdate) => void
  /** A line about the render itself (the job id, a note): printed above the live block. */
  note: (line: string) => void
  /** Clears the live block (a terminal) and stops redrawing. */
  stop: () => void
  readonly model: LiveModel
}

export interface LiveViewOptions {
  /** 'tty': redrawn in place; 'plain': a line per event; 'off': nothing. */
  mode: 'tty' | 'plain' | 'off'
  now?: () => number
  /** Redraws a terminal block this often (for the elapsed times). @default 250 */
  tickMs?: number
}

type Stream = NodeJS.WritableStream & { isTTY?: boolean, columns?: number }

/** The view for this stream: a terminal gets the live block, anything else plain lines; JSON output none. */
export function liveMode (stream: Stream, json: boolean): LiveViewOptions['mode'] {
  if (json) return 'off'
  return stream.isTTY === true ? 'tty' : 'plain'
}

const BAR_WIDTH = 12

function bar (fraction: number | null): string {
  if (fraction === null) return `[${'·'.repeat(BAR_WIDTH)}]`
  const full = Math.round(fraction * BAR_WIDTH)
  return `[${'#'.repeat(full)}${'-'.repeat(BAR_WIDTH - full)}]`
}

function percent (fraction: number | null): string {
  return fraction === null ? '  ?%' : `${String(Math.floor(fraction * 100)).padStart(3)}%`
}

function clock (ms: number): string {
  const s = Math.floor(Math.max(0, ms) / 1000)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

function node (step: LiveStep): string {
  const where = step.peer !== null ? ` on ${shortPeer(step.peer)}` : ''
  const taken = step.takeovers > 0 ? ` (taken over${step.takeovers > 1 ? ` ×${step.takeovers}` : ''})` : ''
  // A second run on another node, not a second claim on the first: it checks the first's result.
  const confirming = step.confirming && step.state !== 'completed' ? ' (confirming the first result)' : ''
  return `${where}${taken}${confirming}`
}

/** The line of a running step on a terminal. */
export function activeLine (step: LiveStep, now: number, nameWidth: number): string {
  const name = `${step.step} (${step.type})`.padEnd(nameWidth)
  if (step.state === 'claimed') return `  ${name}  claimed${node(step)}`
  const elapsed = step.startedAt !== null ? clock(now - step.startedAt) : '-:--'
  const eta = stepEtaMs(step, now)
  return `  ${name}  ${bar(step.fraction)} ${percent(step.fraction)}  ${elapsed}${eta !== null ? `  ETA ${clock(eta)}` : ''}${node(step)}`
}

/** The totals line. */
export function summaryLine (model: LiveModel, now: number): string {
  const c = model.counts()
  return `${model.recipe !== '' ? `${model.recipe}: ` : ''}${c.done}/${c.total} done · ${c.running} running · ${c.cached} cached${c.failed > 0 ? ` · ${c.failed} failed` : ''} · ${formatDuration(now - model.startedAt)}`
}

/** A transcode's one line: frames done of all, the cluster's pace, the time left. */
export function framesLine (progress: FramesProgress): string {
  const { done, total } = progress.frames
  const pct = total > 0 ? Math.floor(done / total * 100) : 100
  const fps = progress.fps !== null ? ` · ${progress.fps >= 100 ? Math.round(progress.fps) : progress.fps.toFixed(1)} fps` : ''
  const eta = progress.etaMs !== null && done < total ? ` · ETA ${clock(progress.etaMs)}` : ''
  return `frames ${done}/${total} (${pct}%)${fps}${eta}`
}

/** `film-chunk-007` → `chunk-007`: the recipe's prefix says nothing the line above does not. */
function partName (step: string): string {
  return /(chunk-\d+)$/.exec(step)?.[1] ?? step
}

/** Per node, the chunks it encodes now (with how far each is, when known) and how many it has encoded. */
export function nodeLines (progress: FramesProgress, fractionOf: (step: string) => number | null = () => null): string[] {
  const part = (step: string): string => {
    const fraction = fractionOf(step)
    return `${partName(step)}${fraction !== null ? ` ${Math.floor(fraction * 100)}%` : ''}`
  }
  return progress.nodes.map((node: NodeParts) => {
    const where = node.peer !== null ? shortPeer(node.peer) : 'here'
    const running = node.running.length > 0 ? `encoding ${node.running.map(part).join(', ')}` : 'idle'
    return `  ${where.padEnd(8)} ${running}${node.done > 0 ? ` · ${node.done} done` : ''}`
  })
}

/** The plain line for a step whose state changed. */
export function eventLine (step: LiveStep): string {
  const name = `${step.step} (${step.type})`
  switch (step.state) {
    case 'running':
      return `${name} running${node(step)}`
    case 'claimed':
      return `${name} claimed${node(step)}`
    case 'completed':
      return `${name} completed${step.startedAt !== null && step.finishedAt !== null ? ` in ${formatStepDuration(step.finishedAt - step.startedAt)}` : ''}${node(step)}`
    case 'cached':
      return `${name} cached`
    case 'skipped':
      return `${name} not needed (what reads it is cached)`
    case 'failed':
      return `${name} failed${node(step)}${step.error !== null ? `: ${step.error.split('\n').at(-1) ?? ''}` : ''}`
    case 'cancelled':
      return `${name} cancelled`
    case 'pending':
      return `${name} pending${step.takeovers > 0 ? ' (its node went silent)' : ''}`
  }
}

export function createLiveView (stream: Stream, options: LiveViewOptions): LiveView {
  const now = options.now ?? Date.now
  const model = new LiveModel(now())
  if (options.mode === 'off') {
    return {
      model,
      update: u => {
        model.apply(u)
      },
      note: () => {},
      stop: () => {}
    }
  }
  if (options.mode === 'plain') return plainView(stream, model, now)
  return ttyView(stream, model, now, options.tickMs ?? 250)
}

function plainView (stream: Stream, model: LiveModel, now: () => number): LiveView {
  const quarters = new Map<string, number>()
  let tenths = 0
  const stamp = (): string => clock(now() - model.startedAt)
  const write = (line: string): void => {
    stream.write(`${stamp()} ${line}\n`)
  }
  return {
    model,
    update (update) {
      const first = update.kind === 'steps' && model.recipe === ''
      const changed = model.apply(update)
      if (first) write(`${model.recipe}: ${countOf(model.steps.size, 'step')}`)
      for (const step of changed) write(eventLine(step))
      if (update.kind === 'progress') {
        const step = model.steps.get(update.step)
        // A transcode's chunks are covered by its frames line below.
        if (step?.fraction != null && step.frames === null) {
          const quarter = Math.floor(step.fraction * 4)
          if (quarter > (quarters.get(step.step) ?? 0) && quarter < 4) {
            quarters.set(step.step, quarter)
            const eta = stepEtaMs(step, now())
            write(`${step.step} (${step.type}) ${quarter * 25}%${eta !== null ? ` ETA ${clock(eta)}` : ''}${node(step)}`)
          }
        }
      }
      // A transcode: its frames line at each tenth of the frames done.
      const frames = model.frames(now())
      if (frames !== null && frames.frames.total > 0) {
        const tenth = Math.floor(frames.frames.done / frames.frames.total * 10)
        if (tenth > tenths && tenth < 10) {
          tenths = tenth
          write(framesLine(frames))
        }
      }
    },
    note: write,
    stop: () => {}
  }
}

function ttyView (stream: Stream, model: LiveModel, now: () => number, tickMs: number): LiveView {
  let lines = 0
  let stopped = false
  const clear = (): void => {
    if (lines > 0) stream.write(`\x1b[${lines}A\x1b[0J`)
    lines = 0
  }
  const draw = (): void => {
    if (stopped || model.steps.size === 0) return
    const t = now()
    const width = Math.max(40, (stream.columns !== undefined && stream.columns > 0 ? stream.columns : 100) - 1)
    // A transcode's chunks are on their nodes' lines; the other running steps get a line each.
    const active = model.active().filter(s => s.frames === null)
    const nameWidth = Math.min(32, Math.max(0, ...active.map(s => s.step.length + s.type.length + 3)))
    const frames = model.frames(t)
    const out = [summaryLine(model, t), ...(frames !== null ? [framesLine(frames), ...nodeLines(frames, step => model.steps.get(step)?.fraction ?? null)] : []), ...active.map(s => activeLine(s, t, nameWidth))]
    clear()
    stream.write(out.map(line => line.length > width ? `${line.slice(0, width - 1)}…` : line).join('\n') + '\n')
    lines = out.length
  }
  const timer = setInterval(draw, tickMs)
  timer.unref()
  return {
    model,
    update (update) {
      // Failures are kept above the block: they matter after it is gone.
      const takeover = update.kind === 'state' && update.takeover === true
      for (const step of model.apply(update)) {
        if (step.state === 'failed' || takeover) {
          clear()
          stream.write(`${eventLine(step)}\n`)
        }
      }
      draw()
    },
    note (line) {
      clear()
      stream.write(`${line}\n`)
      draw()
    },
    stop () {
      stopped = true
      clearInterval(timer)
      clear()
    }
  }
}
