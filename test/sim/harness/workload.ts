import type { JobSpec, StepSpec } from '../../../src/jobs/core/types.ts'
import { fakeCacheId, fakeJobId } from './ids.ts'
import type { Prng } from './prng.ts'

/**
 * Random planned jobs: small DAGs of steps (sources, then steps consuming one
 * to three earlier outputs, then one output step joining every sink), some
 * steps needing a capability only some nodes have, and jobs that share a
 * dependency-closed part of an earlier job's plan (same cache ids).
 */
export interface WorkloadOptions {
  minSteps: number
  maxSteps: number
  /** Share of steps that need `gpu` (only some nodes have it). */
  gpuShare: number
  /** Chance a job reuses part of the previous job's plan. */
  shareChance: number
}

const TYPES = ['overlay', 'scale', 'concat', 'text', 'encode']

export function makeJob (rng: Prng, opts: WorkloadOptions, submittedAt: number, previous?: JobSpec): JobSpec {
  const steps: StepSpec[] = []
  if (previous !== undefined && rng.chance(opts.shareChance)) steps.push(...sharedPart(rng, previous))
  const own = rng.int(opts.minSteps, opts.maxSteps)
  const base = steps.length
  for (let i = 0; i < own; i++) {
    const earlier = steps.slice()
    const nDeps = earlier.length === 0 ? 0 : rng.int(0, Math.min(3, earlier.length))
    const deps = rng.shuffle(earlier.map(s => s.stepId)).slice(0, nDeps)
    steps.push({
      stepId: `s${base + i}`,
      cacheId: fakeCacheId(rng),
      type: deps.length === 0 ? 'source' : rng.pick(TYPES),
      deps,
      requires: rng.chance(opts.gpuShare) ? ['gpu'] : ['libx264']
    })
  }
  const used = new Set(steps.flatMap(s => s.deps))
  const sinks = steps.filter(s => !used.has(s.stepId)).map(s => s.stepId)
  let output = sinks[0] as string
  if (sinks.length > 1) {
    output = 'out'
    steps.push({ stepId: output, cacheId: fakeCacheId(rng), type: 'concat', deps: sinks, requires: ['libx264'] })
  }
  return { jobId: fakeJobId(rng), steps, output, submittedAt }
}

/** A random step of `job` and everything it depends on, renamed: the same work under other step ids. */
function sharedPart (rng: Prng, job: JobSpec): StepSpec[] {
  const byId = new Map(job.steps.map(s => [s.stepId, s]))
  const root = rng.pick(job.steps)
  const keep = new Set<string>()
  const visit = (id: string): void => {
    if (keep.has(id)) return
    keep.add(id)
    for (const d of byId.get(id)?.deps ?? []) visit(d)
  }
  visit(root.stepId)
  return job.steps
    .filter(s => keep.has(s.stepId))
    .map(s => ({ ...s, stepId: `shared-${s.stepId}`, deps: s.deps.map(d => `shared-${d}`) }))
}

/** A job of `n` independent steps joined by one output step: every source is runnable at once. */
export function makeWideJob (rng: Prng, n: number, submittedAt: number): JobSpec {
  const steps: StepSpec[] = []
  for (let i = 0; i < n; i++) steps.push({ stepId: `w${i}`, cacheId: fakeCacheId(rng), type: 'source', deps: [] })
  steps.push({ stepId: 'out', cacheId: fakeCacheId(rng), type: 'concat', deps: steps.map(s => s.stepId) })
  return { jobId: fakeJobId(rng), steps, output: 'out', submittedAt }
}

/** A chain of `n` steps: one runs at a time, each long enough to be caught by a crash. */
export function makeChainJob (rng: Prng, n: number, submittedAt: number): JobSpec {
  const steps: StepSpec[] = []
  for (let i = 0; i < n; i++) steps.push({ stepId: `c${i}`, cacheId: fakeCacheId(rng), type: i === 0 ? 'source' : 'encode', deps: i === 0 ? [] : [`c${i - 1}`] })
  return { jobId: fakeJobId(rng), steps, output: `c${n - 1}`, submittedAt }
}
