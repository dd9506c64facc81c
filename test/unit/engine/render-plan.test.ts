import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { renderPlan, servedFromCache } from '../../../src/engine/local-render.ts'
import { renderOnOneNode } from '../../../src/engine/one-node-cluster.ts'
import type { RenderEvent, StepReport } from '../../../src/engine/events.ts'
import type { RunStepOptions, StepRunner } from '../../../src/engine/step-runner.ts'
import { AbortedError } from '../../../src/errors.ts'
import { stepCatalog } from '../../../src/exec/catalog.ts'
import { CoordinatorDriver } from '../../../src/jobs/driver/index.ts'
import { plan } from '../../../src/plan/planner.ts'
import type { Plan, PlannedStep } from '../../../src/plan/planner.ts'
import { loadRecipe } from '../../../src/plan/recipe.ts'
import { cidOf, readRecipe } from '../plan/helpers.ts'

/**
 * `renderPlan`, the embedded `artdag render`'s scheduler, is the coordinator the
 * daemon runs, in a cluster of one node: these tests drive it with a runner
 * that runs no ffmpeg and check the events, results and stops the CLI relies on.
 */

const planOf = (yaml: string, inputs: Record<string, string> = {}): Plan => plan(loadRecipe(yaml, stepCatalog, { source: 'test.yaml' }), inputs, stepCatalog)
const gen = (duration: number): string => `{ type: generate, config: { duration: ${duration}, width: 320, height: 180 } }`

const CHAIN = `version: 1\nname: chain\nnodes:\n  g: ${gen(2)}\n  t: { type: transform, inputs: [g], config: { ops: [{ op: flip, direction: horizontal }] } }\n  e: { type: encode, inputs: [t], config: { crf: 35 } }\noutput: e\n`
const PAIR = `version: 1\nname: pair\nnodes:\n  a: ${gen(2)}\n  b: ${gen(3)}\n  both: { type: sequence, inputs: [a, b] }\noutput: both\n`
const FOUR = `version: 1\nname: four\nnodes:\n  a: ${gen(1)}\n  b: ${gen(2)}\n  c: ${gen(3)}\n  d: ${gen(4)}\n  all: { type: sequence, inputs: [a, b, c, d] }\noutput: all\n`
const TWO_OUTPUTS = `version: 1\nname: two\nnodes:\n  bars: ${gen(2)}\n  out: { type: encode, inputs: [bars], config: { crf: 35 } }\n  poster: { type: thumbnail, inputs: [bars], config: { time: 1 } }\noutputs: [out, poster]\n`
const TWINS = `version: 1\nname: twins\nnodes:\n  a: ${gen(2)}\n  b: ${gen(2)}\n  both: { type: sequence, inputs: [a, b] }\noutput: both\n`

type Behaviour = (step: PlannedStep, signal: AbortSignal) => Promise<void>

/** Until the signal aborts; the run then ends a little later, as a killed ffmpeg does. */
const untilAborted: Behaviour = async (_step, signal) => {
  await new Promise<void>((_resolve, reject) => {
    signal.addEventListener('abort', () => {
      setTimeout(() => {
        reject(signal.reason)
      }, 20)
    }, { once: true })
  })
}

/** A StepRunner without ffmpeg: a step's output is `cid:<step id>`, unless `behave` says otherwise. */
class FakeRunner {
  readonly cached = new Map<string, string>()
  readonly runs: Array<{ step: string, inputCids: string[], signal: AbortSignal }> = []
  /** Runs that ended, in order. */
  readonly ended: string[] = []
  readonly #started = new Map<string, PromiseWithResolvers<void>>()
  behave: Behaviour = async () => {
    await new Promise(resolve => setTimeout(resolve, 1))
  }

  running = 0
  maxRunning = 0

  async lookupLocal (cacheId: string): Promise<string | undefined> {
    return this.cached.get(cacheId)
  }

  async run (step: PlannedStep, inputCids: string[], options: RunStepOptions = {}): Promise<StepReport & { cid: string }> {
    const signal = options.signal as AbortSignal
    this.runs.push({ step: step.id, inputCids, signal })
    this.running++
    this.maxRunning = Math.max(this.maxRunning, this.running)
    this.startedOf(step.id).resolve()
    const startedAt = Date.now()
    try {
      options.onProgress?.({ fraction: 0.5, outTimeMs: 1000, speed: 1 } as Parameters<NonNullable<RunStepOptions['onProgress']>>[0])
      await this.behave(step, signal)
      return { id: step.id, type: step.type, cacheId: step.cacheId, cid: `cid:${step.id}`, cached: false, producer: 'local', startedAt, finishedAt: Date.now(), ffmpegRuns: 1 }
    } finally {
      this.running--
      this.ended.push(step.id)
    }
  }

  startedOf (stepId: string): PromiseWithResolvers<void> {
    let started = this.#started.get(stepId)
    if (started === undefined) this.#started.set(stepId, started = Promise.withResolvers<void>())
    return started
  }

  get asRunner (): StepRunner {
    return this as unknown as StepRunner
  }
}

async function render (p: Plan, runner: FakeRunner, options: { slots?: number, signal?: AbortSignal } = {}): Promise<{ events: RenderEvent[], result: Awaited<ReturnType<typeof renderPlan>> }> {
  const events: RenderEvent[] = []
  const result = await renderPlan(p, runner.asRunner, { slots: options.slots ?? 2, signal: options.signal, onEvent: event => events.push(event) })
  return { events, result }
}

const idOf = (p: Plan, stepId: string): string => (p.steps.find(s => s.id === stepId) as PlannedStep).cacheId
const kinds = (events: RenderEvent[]): string[] => events.filter(e => e.type !== 'step_progress').map(e => e.type === 'plan' ? 'plan' : `${e.type} ${e.stepId}`)

afterEach(() => {
  vi.restoreAllMocks()
})

describe('renderPlan runs the coordinator as a one-node cluster', () => {
  it('runs every step once, inputs first, each with its inputs’ CIDs, and reports them in plan order', async () => {
    const clip = await cidOf('clip')
    const p = planOf(readRecipe('diamond.yaml'), { clip })
    const runner = new FakeRunner()
    const { events, result } = await render(p, runner)
    expect(runner.runs.map(r => r.step).sort()).toEqual(p.steps.map(s => s.id).sort())
    for (const run of runner.runs) {
      const step = p.steps.find(s => s.id === run.step) as PlannedStep
      expect(run.inputCids).toEqual(step.inputs.map(input => input.kind === 'input' ? input.cid : `cid:${input.id}`))
      // Every input was done before the step started.
      for (const input of step.inputs) if (input.kind === 'step') expect(runner.ended.indexOf(input.id)).toBeLessThan(runner.runs.findIndex(r => r.step === run.step))
    }
    expect(result.outputCid).toBe('cid:out')
    expect(result.outputs).toEqual({ out: 'cid:out' })
    expect(result.steps.map(s => s.id)).toEqual(p.steps.map(s => s.id))
    expect(result.steps.every(s => !s.cached && s.ffmpegRuns === 1)).toBe(true)
    expect(events[0]).toMatchObject({ type: 'plan', steps: p.steps.length, planId: p.planId, runId: p.runId, recipe: 'diamond' })
    for (const step of p.steps) {
      const started = events.findIndex(e => e.type === 'step_started' && e.stepId === step.id)
      const completed = events.findIndex(e => e.type === 'step_completed' && e.stepId === step.id)
      expect(started).toBeGreaterThan(0)
      expect(completed).toBeGreaterThan(started)
      expect(events.some(e => e.type === 'step_progress' && e.stepId === step.id)).toBe(true)
      expect(events[completed]).toMatchObject({ cacheId: step.cacheId, cid: `cid:${step.id}`, durationMs: expect.any(Number) })
    }
  })

  it('goes through the coordinator: the steps run are the ones it started, the hits the ones it counted', async () => {
    const received = vi.spyOn(CoordinatorDriver.prototype, 'jobReceived')
    const p = planOf(CHAIN)
    const runner = new FakeRunner()
    runner.cached.set(idOf(p, 't'), 'cid:cached-t')
    await render(p, runner)
    expect(received).toHaveBeenCalledTimes(1)
    const driver = received.mock.contexts[0] as CoordinatorDriver
    expect(received.mock.calls[0]?.[0]).toMatchObject({ output: 'e', steps: p.steps.map(s => expect.objectContaining({ stepId: s.id, cacheId: s.cacheId })) })
    const metrics = driver.coordinator.metrics()
    expect(metrics.stepsRun).toBe(runner.runs.length)
    expect(metrics.stepsRun).toBe(1)
    expect(metrics.cacheHits).toBe(1)
    expect(metrics.jobsCompleted).toBe(1)
    // Stopped with the render: no timer left to wake it.
    expect(driver.running).toBe(false)
  })

  it('no engine module runs plan steps but the one-node cluster’s executor (the coordinator starts them)', () => {
    const dir = fileURLToPath(new URL('../../../src/engine/', import.meta.url))
    const runners = readdirSync(dir).filter(file => file.endsWith('.ts') && /\brunner\.run\(/.test(readFileSync(`${dir}${file}`, 'utf8')))
    // analyze-source.ts runs a source's analysis before there is a plan.
    expect(runners.sort()).toEqual(['analyze-source.ts', 'one-node-cluster.ts'])
    expect(readFileSync(`${dir}local-render.ts`, 'utf8')).toContain("import('./one-node-cluster.ts')")
  })

  it('serves cached steps from the cache and skips a step whose every reader is cached, events in the order the display expects', async () => {
    const p = planOf(CHAIN)
    const runner = new FakeRunner()
    runner.cached.set(idOf(p, 't'), 'cid:cached-t')
    const { events, result } = await render(p, runner)
    expect(runner.runs).toEqual([expect.objectContaining({ step: 'e', inputCids: ['cid:cached-t'] })])
    expect(kinds(events)).toEqual(['plan', 'step_skipped g', 'step_cached t', 'step_started e', 'step_completed e'])
    expect(events[2]).toEqual({ type: 'step_cached', stepId: 't', cacheId: idOf(p, 't'), cid: 'cid:cached-t' })
    expect(result.steps).toEqual([
      { id: 'g', type: 'generate', cacheId: idOf(p, 'g'), cid: null, cached: false, skipped: true, producer: 'none', startedAt: null, finishedAt: null, ffmpegRuns: 0 },
      { id: 't', type: 'transform', cacheId: idOf(p, 't'), cid: 'cid:cached-t', cached: true, producer: 'cache', startedAt: null, finishedAt: null, ffmpegRuns: 0 },
      expect.objectContaining({ id: 'e', cid: 'cid:e', cached: false, producer: 'local', ffmpegRuns: 1 })
    ])
  })

  it('renders a fully cached plan without running anything', async () => {
    const p = planOf(CHAIN)
    const runner = new FakeRunner()
    for (const step of p.steps) runner.cached.set(step.cacheId, `cid:cached-${step.id}`)
    const { events, result } = await render(p, runner)
    expect(runner.runs).toEqual([])
    expect(kinds(events)).toEqual(['plan', 'step_cached g', 'step_cached t', 'step_cached e'])
    expect(result.outputCid).toBe('cid:cached-e')
    expect(result.steps.every(s => s.cached)).toBe(true)
  })

  it('serves a fully cached plan as the coordinator serves it, without starting it (a render asked again)', async () => {
    const received = vi.spyOn(CoordinatorDriver.prototype, 'jobReceived')
    for (const text of [CHAIN, TWO_OUTPUTS, TWINS]) {
      const p = planOf(text)
      const runner = new FakeRunner()
      for (const step of p.steps) runner.cached.set(step.cacheId, `cid:cached-${step.id}`)
      const served = await render(p, runner)
      expect(received).not.toHaveBeenCalled()
      // The same events and result as the coordinator gives the same plan.
      const events: RenderEvent[] = []
      const scheduled = await renderOnOneNode(p, { runner: runner.asRunner }, { slots: 2, onEvent: event => events.push(event) })
      expect(served.result).toEqual(scheduled)
      expect(served.events).toEqual(events)
      expect(runner.runs).toEqual([])
      received.mockClear()
    }
  })

  it('asks only for the outputs before handing a plan with something to run to the coordinator', async () => {
    const p = planOf(TWO_OUTPUTS)
    const runner = new FakeRunner()
    const asked: string[] = []
    const lookupLocal = runner.lookupLocal.bind(runner)
    runner.lookupLocal = async cacheId => {
      asked.push(cacheId)
      return await lookupLocal(cacheId)
    }
    expect(await servedFromCache(p, runner.asRunner, {})).toBeUndefined()
    expect(asked.toSorted()).toEqual([idOf(p, 'out'), idOf(p, 'poster')].toSorted())
    // An output cached, a step under it not: the coordinator decides (the step is skipped or run), as before.
    runner.cached.set(idOf(p, 'out'), 'cid:cached-out')
    runner.cached.set(idOf(p, 'poster'), 'cid:cached-poster')
    expect(await servedFromCache(p, runner.asRunner, {})).toBeUndefined()
    const { events } = await render(p, runner)
    expect(kinds(events)).toEqual(['plan', 'step_skipped bars', 'step_cached out', 'step_cached poster'])
  })

  it('runs at most `slots` steps at once', async () => {
    for (const slots of [1, 2, 3]) {
      const runner = new FakeRunner()
      runner.behave = async () => {
        await new Promise(resolve => setTimeout(resolve, 5))
      }
      await render(planOf(FOUR), runner, { slots })
      expect(runner.runs).toHaveLength(5)
      expect(runner.maxRunning, `slots ${slots}`).toBe(slots)
    }
  })

  it('renders every output of a recipe with several, running the steps they share once', async () => {
    const p = planOf(TWO_OUTPUTS)
    const runner = new FakeRunner()
    const { result } = await render(p, runner)
    expect(runner.runs.map(r => r.step).sort()).toEqual(['bars', 'out', 'poster'])
    expect(result.outputCid).toBe('cid:out')
    expect(result.outputs).toEqual({ out: 'cid:out', poster: 'cid:poster' })
  })

  it('runs two steps with one cache id once: the other is served by the same result', async () => {
    const p = planOf(TWINS)
    expect(idOf(p, 'a')).toBe(idOf(p, 'b'))
    const runner = new FakeRunner()
    const { result } = await render(p, runner)
    expect(runner.runs.map(r => r.step)).toEqual(['a', 'both'])
    expect(runner.runs[1]?.inputCids).toEqual(['cid:a', 'cid:a'])
    expect(result.steps.find(s => s.id === 'b')).toMatchObject({ cid: 'cid:a', cached: true })
  })

  it('fails at the first failure: the steps still running are aborted, and its error is thrown once they have stopped', async () => {
    const p = planOf(PAIR)
    const runner = new FakeRunner()
    const failure = Object.assign(new Error('ffmpeg exited with code 1'), { name: 'StepFailedError' })
    runner.behave = async (step, signal) => {
      if (step.id === 'b') return await untilAborted(step, signal)
      // a fails once b runs.
      await runner.startedOf('b').promise
      throw failure
    }
    const events: RenderEvent[] = []
    const rendering = renderPlan(p, runner.asRunner, { slots: 2, onEvent: event => events.push(event) })
    await expect(rendering).rejects.toBe(failure)
    // b was aborted and had stopped before the render threw; a was not tried again; both never started.
    expect(runner.runs.find(r => r.step === 'b')?.signal.aborted).toBe(true)
    expect(runner.ended.sort()).toEqual(['a', 'b'])
    expect(runner.runs.map(r => r.step).sort()).toEqual(['a', 'b'])
    expect(events.filter(e => e.type === 'step_failed')).toEqual([{ type: 'step_failed', stepId: 'a', cacheId: idOf(p, 'a'), error: 'ffmpeg exited with code 1' }])
    expect(events.some(e => e.type === 'step_completed')).toBe(false)
  })

  it('stops on an aborted signal: every run is aborted, and the reason is thrown once they have stopped', async () => {
    const p = planOf(PAIR)
    const runner = new FakeRunner()
    runner.behave = untilAborted
    const controller = new AbortController()
    const reason = new AbortedError('render stopped')
    const rendering = render(p, runner, { signal: controller.signal })
    await runner.startedOf('a').promise
    await runner.startedOf('b').promise
    controller.abort(reason)
    await expect(rendering).rejects.toBe(reason)
    expect(runner.ended.sort()).toEqual(['a', 'b'])
    expect(runner.runs.every(r => r.signal.aborted)).toBe(true)
  })

  it('throws the signal’s reason, not the store’s abort error, when stopped while it looks the cache up', async () => {
    const p = planOf(CHAIN)
    const controller = new AbortController()
    const reason = new AbortedError('render stopped')
    const runner = {
      lookupLocal: async (_cacheId: string, options: { signal?: AbortSignal | undefined } = {}) => {
        controller.abort(reason)
        // What a store gives when its read is aborted: another error than the reason.
        throw Object.assign(new Error('The operation was aborted'), { name: 'AbortError', aborted: options.signal?.aborted })
      }
    }
    await expect(servedFromCache(p, runner, { signal: controller.signal })).rejects.toBe(reason)
  })

  it('throws an already aborted signal’s reason without running anything', async () => {
    const runner = new FakeRunner()
    const reason = new AbortedError('too late')
    await expect(render(planOf(CHAIN), runner, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason)
    expect(runner.runs).toEqual([])
  })
})
