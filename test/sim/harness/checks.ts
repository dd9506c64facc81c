import { expectedCid } from './ids.ts'
import type { ExecRecord } from './truth.ts'
import type { RunResult } from './world.ts'

/**
 * Property checks over a finished run. Each returns the violations it found,
 * as sentences; an empty list means the property held.
 */

/**
 * No step starts before its inputs exist; every result a node holds is one an
 * execution really produced (the expected bytes, or a diverging executor's);
 * no driver reported an error.
 */
export function checkCorrectness (r: RunResult): string[] {
  const out = [...r.truth.depViolations, ...r.truth.errors]
  const valid = (cacheId: string, cid: string | undefined): boolean => cid === undefined || cid === expectedCid(cacheId) || r.truth.produced.get(cacheId)?.has(cid) === true
  for (const node of r.nodes) {
    if (node.status === 'down') continue
    const now = node.localNow(r.endTime)
    for (const job of node.coordinator.jobs(now)) {
      for (const step of job.steps) {
        if (!valid(step.cacheId, step.cid)) out.push(`n${node.index} holds ${step.cid ?? '?'} for ${step.cacheId}, which no execution produced`)
      }
      const outputStep = job.steps.find(s => s.stepId === r.config.jobs.find(j => j.spec.jobId === job.jobId)?.spec.output)
      if (job.state === 'completed' && outputStep !== undefined && !valid(outputStep.cacheId, job.outputCid)) {
        out.push(`n${node.index}: job ${job.jobId} completed with output ${job.outputCid ?? '?'}, which no execution produced`)
      }
      if (job.state === 'failed' && (job.failure === undefined || !job.failure.errorTail.includes('Conversion failed'))) {
        out.push(`n${node.index}: job ${job.jobId} failed without the error tail (${JSON.stringify(job.failure)})`)
      }
    }
  }
  return out
}

/**
 * Every job ends on every live node that knows it, and the nodes agree on how
 * (one state, one output CID), except where a cancel raced with the end. The
 * check is strict about failure: a job may end FAILED only through a step that
 * really failed maxAttempts times (injected), and only if that step is needed
 * given every result that existed anywhere at the end — a job whose output
 * could be computed, or was, does not end FAILED.
 */
export function checkLiveness (r: RunResult, maxAttempts: number): string[] {
  const out: string[] = []
  if (!r.settled) out.push(`not every job ended by ${r.config.maxTimeMs} ms`)
  const injected = new Set([...r.config.exec.alwaysFail, ...r.config.exec.failOn.keys()])
  for (const { spec } of r.config.jobs) {
    const cancelled = r.config.cancels.some(c => c.jobId === spec.jobId)
    const states = new Set<string>()
    const outputs = new Set<string>()
    let known = 0
    const needed = neededAtEnd(r, spec)
    for (const node of r.nodes) {
      if (node.status !== 'up') continue
      const job = node.coordinator.job(spec.jobId, node.localNow(r.endTime))
      if (job === undefined) continue
      known += 1
      states.add(job.state)
      if (job.outputCid !== undefined) outputs.add(job.outputCid)
      if (job.state === 'cancelled' && !cancelled) out.push(`n${node.index}: job ${spec.jobId} cancelled but nobody cancelled it`)
      if (job.state === 'failed') {
        const f = job.failure
        const failedRuns = f === undefined ? 0 : (r.truth.byCache.get(f.cacheId) ?? []).filter(e => e.outcome === 'failed').length
        if (f === undefined || !injected.has(f.cacheId) || failedRuns < maxAttempts) {
          out.push(`n${node.index}: job ${spec.jobId} failed on ${f?.cacheId ?? '?'} which failed ${failedRuns} times (injected: ${String(f !== undefined && injected.has(f.cacheId))})`)
        } else if (!needed.has(f.cacheId)) {
          out.push(`n${node.index}: job ${spec.jobId} failed on ${f.cacheId.slice(0, 8)}, which the results that exist make unnecessary`)
        }
      }
      // (A cached step downstream can make the failing one unnecessary.)
      const cachedSomewhere = new Set([...r.config.precached, ...r.config.preindexed.map(p => p.cacheId)])
      const mustFail = spec.steps.some(s => r.config.exec.alwaysFail.has(s.cacheId)) && !spec.steps.some(s => cachedSomewhere.has(s.cacheId))
      if (mustFail && job.state === 'completed') out.push(`n${node.index}: job ${spec.jobId} completed although a step always fails`)
    }
    // A job that ended and was forgotten since (retention, or the one node that knew it restarted
    // from a stale snapshot) is not lost: its result was delivered.
    if (known === 0 && !endedSomewhere(r, spec.jobId)) out.push(`job ${spec.jobId} is known to no live node`)
    if (states.size > 1 && !(cancelled && states.has('cancelled') && states.size === 2)) {
      out.push(`nodes disagree on job ${spec.jobId}: ${[...states].join(' / ')}`)
    }
    if (outputs.size > 1) out.push(`nodes disagree on the output of job ${spec.jobId}: ${[...outputs].join(' / ')}`)
  }
  return out
}

export function endedSomewhere (r: Pick<RunResult, 'truth'>, jobId: string): boolean {
  for (const results of r.truth.jobResults.values()) if (results.has(jobId)) return true
  return false
}

/** The cache ids a job needs given every result that existed anywhere at the end of the run. */
function neededAtEnd (r: RunResult, spec: RunResult['config']['jobs'][number]['spec']): Set<string> {
  const byStep = new Map(spec.steps.map(s => [s.stepId, s]))
  const needed = new Set<string>()
  const stack = [spec.output]
  while (stack.length > 0) {
    const step = byStep.get(stack.pop() as string)
    if (step === undefined || needed.has(step.cacheId) || r.truth.firstResult.has(step.cacheId)) continue
    needed.add(step.cacheId)
    stack.push(...step.deps)
  }
  return needed
}

export interface Duplicate {
  rec: ExecRecord
  /**
   * `aborted`: it lost its lease, or another result arrived, while it ran;
   * `redundant`: it finished (or still ran at the end) after the step's result existed.
   */
  kind: 'aborted' | 'redundant'
}

/**
 * Wasted executions: those the protocol aborted because another node had or
 * would have the result, and those whose result came too late to matter.
 * (Executions killed by a crash, failed ones and ones cancelled with their job are not duplicates.)
 */
export function findDuplicates (r: RunResult): Duplicate[] {
  const out: Duplicate[] = []
  for (const [cacheId, execs] of r.truth.byCache) {
    const first = r.truth.firstResult.get(cacheId) ?? Number.POSITIVE_INFINITY
    for (const rec of execs) {
      if (rec.outcome === 'aborted' && (rec.abortReason === 'lost_lease' || rec.abortReason === 'completed_elsewhere')) out.push({ rec, kind: 'aborted' })
      else if (rec.outcome === 'completed' && (rec.end as number) > first) out.push({ rec, kind: 'redundant' })
      else if (rec.outcome === undefined && rec.start > first) out.push({ rec, kind: 'redundant' })
    }
  }
  return out
}

/** Pairs of executions of the same step that overlapped in time. */
export function overlaps (r: RunResult): Array<[ExecRecord, ExecRecord]> {
  const out: Array<[ExecRecord, ExecRecord]> = []
  for (const execs of r.truth.byCache.values()) {
    for (let i = 0; i < execs.length; i++) {
      for (let j = i + 1; j < execs.length; j++) {
        const a = execs[i] as ExecRecord
        const b = execs[j] as ExecRecord
        if (a.start < (b.end ?? Number.POSITIVE_INFINITY) && b.start < (a.end ?? Number.POSITIVE_INFINITY)) out.push(a.start <= b.start ? [a, b] : [b, a])
      }
    }
  }
  return out
}

export function checkNoConcurrency (r: RunResult): string[] {
  return overlaps(r).map(([a, b]) => `${a.cacheId.slice(0, 8)} ran on n${a.node}@${a.epoch} [${a.start.toFixed(1)}, ${fmt(a.end)}] and n${b.node}@${b.epoch} [${b.start.toFixed(1)}, ${fmt(b.end)}] at once`)
}

/**
 * Duplicates only happen for a documented reason, shortly before or while they
 * run: a message about the step lost or later than settle/2 (or a lost cache
 * lookup), or a partition, pause or crash. Returns the duplicates with no such reason.
 */
export function checkDuplicateCauses (r: RunResult, windowMs: number): string[] {
  const out: string[] = []
  for (const d of findDuplicates(r)) {
    const end = d.rec.end ?? r.endTime
    const causes = faultsBetween(r, d.rec.cacheId, d.rec.start - windowMs, end) + r.truth.episodes.filter(e => e.start <= end && e.end >= d.rec.start - windowMs).length
    if (causes === 0) out.push(`${d.kind} execution of ${d.rec.cacheId.slice(0, 8)} on n${d.rec.node}@${d.rec.epoch} at ${d.rec.start.toFixed(1)} with no lost or late message, partition, pause or crash before it`)
  }
  return out
}

/**
 * The bound: per step, duplicate executions ≤ lost/late messages about it +
 * partitions, pauses and crashes, from `windowMs` before the first duplicate to the end of the last.
 */
export function checkDuplicateBound (r: RunResult, windowMs: number): string[] {
  const out: string[] = []
  const byCache = new Map<string, Duplicate[]>()
  for (const d of findDuplicates(r)) byCache.set(d.rec.cacheId, [...(byCache.get(d.rec.cacheId) ?? []), d])
  for (const [cacheId, dups] of byCache) {
    const last = Math.max(...dups.map(d => d.rec.end ?? r.endTime))
    const first = Math.min(...dups.map(d => d.rec.start))
    const faults = faultsBetween(r, cacheId, first - windowMs, last)
    const episodes = r.truth.episodes.filter(e => e.start <= last && e.end >= first - windowMs).length
    if (dups.length > faults + episodes) out.push(`${cacheId.slice(0, 8)} ran ${dups.length} extra times with only ${faults} message faults and ${episodes} episodes`)
  }
  return out
}

function faultsBetween (r: RunResult, cacheId: string, from: number, to: number): number {
  return (r.truth.messageFaults.get(cacheId) ?? []).filter(f => f >= from && f <= to).length
}

/**
 * The nodes' duplicateExecutions counters: every step a node lost the lease of
 * while running it is counted, and the total never exceeds twice the wasted
 * executions (both nodes of a pair may count it).
 */
export function checkDuplicateCounting (r: RunResult): string[] {
  let counted = 0
  for (const node of r.nodes) counted += node.totalMetrics().duplicateExecutions
  const wasted = findDuplicates(r).length
  // A node counts a step once, however often it lost it.
  const lostLease = new Set(r.truth.executions.filter(e => e.abortReason === 'lost_lease').map(e => `${e.node}|${e.incarnation}|${e.cacheId}`)).size
  const out: string[] = []
  if (counted < lostLease) out.push(`nodes counted ${counted} duplicate executions, but ${lostLease} were aborted for a lost lease`)
  if (counted > 2 * wasted) out.push(`nodes counted ${counted} duplicate executions, but only ${wasted} were wasted`)
  return out
}

function fmt (t: number | undefined): string {
  return t === undefined ? 'end' : t.toFixed(1)
}
