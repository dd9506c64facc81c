import { checkCorrectness, checkDuplicateBound, checkDuplicateCauses, checkDuplicateCounting, checkLiveness, checkNoConcurrency, findDuplicates, overlaps } from './checks.ts'
import type { ExecRecord } from './truth.ts'
import { BOUNDED_DELAY_MS, MAX_ATTEMPTS, MAX_DRIFT, RANK_DELAY_MS, SETTLE_MS, TTL_MS } from './scenarios.ts'
import { divergentCid, expectedCid } from './ids.ts'
import { DEFAULT_TIMING_MARGIN_MS } from '../../../src/lease/network-timing.ts'
import type { ScenarioName } from './scenarios.ts'
import type { RunResult } from './world.ts'

/** What each scenario must show, as violation lists (empty: the run passed). */
export const RENEW_MS = TTL_MS / 3
/** How far back a duplicate's cause may lie: a lost message lets a lease lapse a ttl later, a crashed or paused node stays quiet after. */
export const CAUSE_WINDOW_MS = 2 * TTL_MS + RENEW_MS
/** The settle window the nodes derive from round trips under the bounded delays (src/lease/network-timing.ts). */
export const BOUNDED_SETTLE_MS = Math.max(SETTLE_MS, 3 * BOUNDED_DELAY_MS + DEFAULT_TIMING_MARGIN_MS)
/**
 * The takeover bound: the holder's last renewal in flight, the ttl on a
 * drifting clock, rank delays, and the wait a takeover gives the old holder
 * to refute it (two settle windows).
 */
export function takeoverBoundMs (nodes: number): number {
  return BOUNDED_DELAY_MS + TTL_MS / (1 - MAX_DRIFT) + (nodes - 1) * Math.max(RANK_DELAY_MS, BOUNDED_SETTLE_MS) + 2 * BOUNDED_SETTLE_MS + 1
}
/**
 * After a partition heals or a paused node resumes, a duplicate ends within
 * one renewal, plus the round trips of the re-assertion and of a refutation.
 */
export const CONVERGENCE_MS = RENEW_MS / (1 - MAX_DRIFT) + 4 * BOUNDED_DELAY_MS + BOUNDED_SETTLE_MS + 1

export function checkRun (name: ScenarioName, r: RunResult): string[] {
  const base = [...checkCorrectness(r), ...checkLiveness(r, MAX_ATTEMPTS)]
  switch (name) {
    case 'ideal':
    case 'views':
      return [...base, ...checkNoConcurrency(r)]
    case 'lossy':
      return [...base, ...checkDuplicateCauses(r, CAUSE_WINDOW_MS), ...checkDuplicateBound(r, CAUSE_WINDOW_MS), ...checkDuplicateCounting(r)]
    case 'partitions':
      return [...base, ...checkPartitionDuplicates(r), ...checkDuplicateCounting(r)]
    case 'race':
    case 'race-solo':
      return [...base, ...checkExactlyOnce(r)]
    case 'takeover':
      return [...base, ...checkNoConcurrency(r), ...checkTakeover(r).violations]
    case 'failures':
      return [...base, ...checkNoConcurrency(r), ...checkFailures(r)]
    case 'cancel':
      return [...base, ...checkNoConcurrency(r), ...checkCancel(r)]
    case 'restart':
      return [...base, ...checkNoConcurrency(r), ...checkEpochs(r), ...checkResumed(r)]
    case 'shared':
      return [...base, ...checkExactlyOnce(r)]
    case 'latency':
      return [...base, ...checkNoConcurrency(r)]
    case 'confirmed':
      return [...base, ...checkConfirmed(r)]
    case 'untrusted-executor':
      return [...base, ...checkConfirmed(r), ...checkNoUntrustedOutput(r)]
    case 'wan':
    case 'divergent':
      return [...base, ...checkDuplicateCauses(r, CAUSE_WINDOW_MS), ...checkDuplicateBound(r, CAUSE_WINDOW_MS), ...checkDuplicateCounting(r), ...(name === 'divergent' ? checkAgreement(r) : [])]
    case 'wan-race':
      return [...base, ...checkDuplicatesAtMost(r, 1)]
    case 'lossy-long':
    case 'late-lookup':
    case 'missed-input':
    case 'missed-outcome':
      return base
    case 'busy':
      return [...base, ...checkNoConcurrency(r)]
    case 'asymmetric':
      return [...base, ...checkHealthyHoldersKept(r)]
    case 'long-partitions':
      return [...base, ...checkPartitionDuplicates(r)]
    case 'paused-holder':
      return [...base, ...checkPartitionDuplicates(r), ...checkResumedHolderYields(r)]
    case 'stale-restart':
      return [...base, ...checkNoConcurrency(r)]
    case 'isolated-failures':
      return [...base, ...checkHealthyHoldersKept(r), ...checkPartitionDuplicates(r)]
    case 'renew-loss':
      return [...base, ...checkNoConcurrency(r), ...checkNoTakeovers(r)]
    case 'lost-claims':
    case 'forged-epoch':
    // held-step: the renewals last the whole run, so only the hold bound lets its jobs end (liveness).
    case 'held-step':
      return [...base, ...checkNoConcurrency(r)]
    case 'one-way-link':
      return [...base, ...checkOverlapsEndSoon(r)]
    case 'crash-after-claim':
      return [...base, ...checkNoConcurrency(r), ...checkEpochs(r)]
    case 'cached-output':
      return [...base, ...checkNoConcurrency(r), ...checkCachedNeverFailed(r)]
    case 'lost-output':
      return [...base, ...checkLostOutputs(r)]
  }
}

/**
 * An output lost with its producer costs only its step's run again: a run that
 * could not fetch an input whose every holder was dead counted as no attempt
 * (no step shows one at the end, no job was ever reported failed: a read runs
 * out of time after its holders are dead in the views), and, with no message
 * lost, no step completed twice unless its output was lost.
 */
function checkLostOutputs (r: RunResult): string[] {
  const out: string[] = []
  for (const node of r.nodes) {
    if (node.status !== 'up') continue
    for (const job of node.coordinator.jobs(node.localNow(r.endTime))) {
      for (const step of job.steps) if (step.attempts > 0) out.push(`n${node.index}: ${step.stepId} (${step.cacheId.slice(0, 8)}) of job ${job.jobId.slice(0, 10)} shows ${step.attempts} failed attempt(s)`)
    }
  }
  for (const report of r.truth.jobReports) {
    if (report.state === 'failed') out.push(`n${report.node} reported job ${report.jobId.slice(0, 10)} FAILED at ${report.at.toFixed(1)}`)
  }
  if (r.config.network.loss === 0) {
    const lost = new Set(r.truth.inputLosses.flatMap(l => l.cids))
    for (const [cacheId, execs] of r.truth.byCache) {
      const completed = execs.filter(e => e.outcome === 'completed').length
      if (completed > 1 && !lost.has(expectedCid(cacheId))) out.push(`${cacheId.slice(0, 8)} completed ${completed} times, but its output was never lost`)
    }
  }
  return out
}

/**
 * Fifty steps contested at a tailnet's timing: the settle window and the rank
 * delays follow the measured round trips, so at most one step of the fifty
 * runs twice (issue 7's target is one in a hundred).
 */
function checkDuplicatesAtMost (r: RunResult, max: number): string[] {
  const dups = findDuplicates(r)
  if (dups.length <= max) return []
  return [`${dups.length} wasted executions (at most ${max}): ${dups.slice(0, 4).map(d => `${d.rec.cacheId.slice(0, 8)} on n${d.rec.node}@${d.rec.epoch} at ${d.rec.start.toFixed(1)}`).join(', ')}`]
}

/**
 * A holder whose heartbeats arrive keeps its lease even when every lease_renew
 * is lost: heartbeats list the holder's leases and count as renewals. Nobody
 * takes such a lease over (a takeover of a live holder costs a round of claims
 * at best, and a second execution when the holder cannot refute it in time).
 */
function checkNoTakeovers (r: RunResult): string[] {
  return r.truth.claims
    .filter(c => c.reason === 'takeover')
    .map(c => `n${c.node} took ${c.cacheId.slice(0, 8)} over at epoch ${c.epoch} at ${c.t.toFixed(1)}, although no node was down, paused or cut off`)
}

/**
 * A node that cannot hear a holder (one link cut) learns of its lease from the
 * others: they answer its claim with what they know (lease_state). So two
 * executions of a step overlap for at most a renewal and a round trip.
 */
function checkOverlapsEndSoon (r: RunResult): string[] {
  const out: string[] = []
  for (const [a, b] of overlaps(r)) {
    const end = Math.min(a.end ?? r.endTime, b.end ?? r.endTime)
    if (end - b.start > CONVERGENCE_MS) out.push(`${a.cacheId.slice(0, 8)} ran on n${a.node}@${a.epoch} and n${b.node}@${b.epoch} at once for ${(end - b.start).toFixed(1)} ms from ${b.start.toFixed(1)} (bound ${CONVERGENCE_MS.toFixed(1)})`)
  }
  return out
}

/**
 * A job whose output is in the DHT when it is submitted is never reported
 * FAILED to a user, even when a step it needs has failed for good: the node
 * waits for its cache lookups before it judges the job, and the lookup finds
 * the output.
 */
function checkCachedNeverFailed (r: RunResult): string[] {
  const out: string[] = []
  for (const { spec } of r.config.jobs) {
    const output = spec.steps.find(s => s.stepId === spec.output)?.cacheId
    if (output === undefined || !r.config.precached.has(output)) continue
    for (const report of r.truth.jobReports) {
      if (report.jobId === spec.jobId && report.state === 'failed') out.push(`n${report.node} reported job ${spec.jobId.slice(0, 10)} FAILED at ${report.at.toFixed(1)}, although its output was in the DHT before it was submitted`)
    }
  }
  return out
}

/**
 * Executors that disagree are seen: when a job's output came back with
 * different bytes from different nodes and the nodes kept one, some node
 * counted the mismatch (liveness already checks they all kept the same).
 */
function checkAgreement (r: RunResult): string[] {
  const outputs = new Set(r.config.jobs.map(j => j.spec.steps.find(s => s.stepId === j.spec.output)?.cacheId))
  const diverged = [...r.truth.produced].filter(([cacheId, cids]) => outputs.has(cacheId) && cids.size > 1).map(([cacheId]) => cacheId)
  const kept = new Set<string>()
  for (const node of r.nodes) {
    if (node.status !== 'up') continue
    for (const job of node.coordinator.jobs(node.localNow(r.endTime))) if (job.outputCid !== undefined) kept.add(job.jobId)
  }
  const counted = r.nodes.reduce((n, node) => n + node.totalMetrics().resultMismatches, 0)
  if (diverged.length > 0 && kept.size > 0 && counted === 0) return [`outputs ${diverged.map(c => c.slice(0, 8)).join(', ')} came back with different bytes and no node counted a mismatch`]
  return []
}

/**
 * The one-way faults and the isolated node must not cost the others their
 * work: no execution on a node outside the fault is aborted because of it
 * (a lost lease, a refuted takeover of a node that went silent, a step the
 * isolated node gave up on).
 */
function checkHealthyHoldersKept (r: RunResult): string[] {
  const out: string[] = []
  for (const episode of r.truth.episodes) {
    if (episode.kind !== 'partition' || episode.groups === undefined) continue
    // The node outside is the smaller group (a single node in these scenarios).
    const victims = new Set(episode.groups.reduce((a, b) => (a.length <= b.length ? a : b)))
    for (const e of r.truth.executions) {
      if (victims.has(e.node) || e.outcome !== 'aborted' || e.start > episode.start) continue
      if (e.abortReason === 'lost_lease' || e.abortReason === 'not_needed') {
        out.push(`n${e.node}'s execution of ${e.cacheId.slice(0, 8)} (since ${e.start.toFixed(0)}) was aborted (${e.abortReason}) at ${String(e.end?.toFixed(0))} by a fault on n${[...victims].join(',')}`)
      }
    }
  }
  return out
}

/**
 * A holder paused past the ttl was taken over for good reason: when it
 * resumes it yields (its silence was its own), and the node that took over
 * keeps running.
 */
function checkResumedHolderYields (r: RunResult): string[] {
  const out: string[] = []
  for (const pause of r.truth.episodes.filter(e => e.kind === 'pause')) {
    for (const e of r.truth.executions) {
      if (pause.nodes.includes(e.node) || e.start < pause.start || e.start > pause.end) continue
      if (e.outcome === 'aborted' && (e.abortReason === 'lost_lease' || e.abortReason === 'refuted')) {
        out.push(`n${e.node} took ${e.cacheId.slice(0, 8)} over during n${pause.nodes.join(',')}'s pause and was aborted (${e.abortReason}) when it resumed`)
      }
    }
  }
  return out
}

/** Every step ran exactly once. */
function checkExactlyOnce (r: RunResult): string[] {
  const out: string[] = []
  for (const { spec } of r.config.jobs) {
    for (const step of spec.steps) {
      if (r.config.precached.has(step.cacheId)) continue
      const runs = r.truth.byCache.get(step.cacheId)?.length ?? 0
      if (runs !== 1) out.push(`${step.stepId} (${step.cacheId.slice(0, 8)}) ran ${runs} times`)
    }
  }
  return out
}

/**
 * Under partitions and pauses (no loss, bounded delays): at most one execution
 * per side and paused node at once, and every overlap ends within
 * CONVERGENCE_MS after the partition healed or the node resumed.
 */
function checkPartitionDuplicates (r: RunResult): string[] {
  const out: string[] = []
  for (const [a, b] of overlaps(r)) {
    const causes = r.truth.episodes.filter(e => e.start <= b.start)
    if (causes.length === 0) {
      out.push(`${a.cacheId.slice(0, 8)} ran on n${a.node} and n${b.node} at once with no partition or pause before`)
      continue
    }
    const overlapEnd = Math.min(a.end ?? r.endTime, b.end ?? r.endTime)
    // A pause or partition starting during the overlap prolongs it too: the paused node cannot hear that it lost.
    const healedBy = Math.max(...r.truth.episodes.filter(e => e.start < overlapEnd).map(e => e.end))
    if (overlapEnd > healedBy + CONVERGENCE_MS) {
      out.push(`${a.cacheId.slice(0, 8)} ran on n${a.node} and n${b.node} until ${overlapEnd.toFixed(1)}, ${(overlapEnd - healedBy).toFixed(1)} ms after the last heal/resume (bound ${CONVERGENCE_MS.toFixed(1)})`)
    }
  }
  for (const execs of r.truth.byCache.values()) {
    for (const e of execs) {
      const running = execs.filter(x => x.start <= e.start && (x.end ?? Number.POSITIVE_INFINITY) > e.start).length
      const active = r.truth.episodes.filter(ep => ep.start <= e.start && ep.end + CONVERGENCE_MS >= e.start)
      const allowance = 1 + active.reduce((n, ep) => n + (ep.kind === 'partition' ? (ep.groups?.length ?? 2) - 1 : 1), 0)
      if (running > allowance) out.push(`${e.cacheId.slice(0, 8)} had ${running} executions at once at ${e.start.toFixed(1)} (allowed ${allowance})`)
    }
  }
  return out
}

export interface TakeoverSample {
  delayMs: number
  boundMs: number
}

/** After the holder is killed, another node starts the step within takeoverBoundMs. */
export function checkTakeover (r: RunResult): { violations: string[], samples: TakeoverSample[] } {
  const violations: string[] = []
  const samples: TakeoverSample[] = []
  const bound = takeoverBoundMs(r.config.nodes.length)
  for (const killed of r.truth.executions.filter(e => e.outcome === 'killed')) {
    const crashAt = killed.end as number
    if (r.truth.firstResult.has(killed.cacheId) && (r.truth.firstResult.get(killed.cacheId) as number) <= crashAt) continue
    const next = (r.truth.byCache.get(killed.cacheId) ?? []).find((e: ExecRecord) => e.start >= crashAt && e.node !== killed.node)
    if (next === undefined) {
      violations.push(`nobody took over ${killed.cacheId.slice(0, 8)} after n${killed.node} was killed at ${crashAt.toFixed(1)}`)
      continue
    }
    const delayMs = next.start - crashAt
    samples.push({ delayMs, boundMs: bound })
    if (delayMs > bound) violations.push(`takeover of ${killed.cacheId.slice(0, 8)} took ${delayMs.toFixed(1)} ms after the kill (bound ${bound.toFixed(1)})`)
  }
  return { violations, samples }
}

/** The always-failing step fails exactly maxAttempts times, on distinct nodes; the node-specific failure is retried elsewhere. */
function checkFailures (r: RunResult): string[] {
  const out: string[] = []
  for (const cacheId of r.config.exec.alwaysFail) {
    const runs = r.truth.byCache.get(cacheId) ?? []
    if (runs.length !== MAX_ATTEMPTS) out.push(`always-failing ${cacheId.slice(0, 8)} ran ${runs.length} times, expected ${MAX_ATTEMPTS}`)
    const nodes = new Set(runs.map(e => e.node))
    if (nodes.size !== Math.min(MAX_ATTEMPTS, r.config.nodes.length)) out.push(`always-failing ${cacheId.slice(0, 8)} ran on ${nodes.size} distinct nodes`)
    for (const node of r.nodes) {
      for (const job of node.coordinator.jobs(node.localNow(r.endTime))) {
        if (!job.steps.some(s => s.cacheId === cacheId)) continue
        if (job.state !== 'failed') out.push(`n${node.index}: job ${job.jobId} is ${job.state}, expected failed`)
        else if (job.failure?.cacheId !== cacheId || job.failure.attempts < MAX_ATTEMPTS || job.failure.nodes.length !== nodes.size) out.push(`n${node.index}: job ${job.jobId} failure is ${JSON.stringify(job.failure)}`)
      }
    }
  }
  for (const [cacheId, failing] of r.config.exec.failOn) {
    const runs = r.truth.byCache.get(cacheId) ?? []
    const failed = runs.filter(e => e.outcome === 'failed')
    if (failed.length > 1 || failed.some(e => !failing.has(e.node))) out.push(`${cacheId.slice(0, 8)} failing only on n${[...failing].join(',')} failed ${failed.length} times`)
    if (!runs.some(e => e.outcome === 'completed' && !failing.has(e.node))) out.push(`${cacheId.slice(0, 8)} was never run on another node`)
  }
  return out
}

/** No step only the cancelled job needs starts after the cancel has reached everyone, and running ones stop. */
function checkCancel (r: RunResult): string[] {
  const out: string[] = []
  for (const cancel of r.config.cancels) {
    const job = r.config.jobs.find(j => j.spec.jobId === cancel.jobId)
    if (job === undefined) continue
    const others = new Set(r.config.jobs.filter(j => j !== job).flatMap(j => j.spec.steps.map(s => s.cacheId)))
    const reachedAll = cancel.at + BOUNDED_DELAY_MS + 1
    for (const step of job.spec.steps) {
      if (others.has(step.cacheId)) continue
      for (const e of r.truth.byCache.get(step.cacheId) ?? []) {
        if (e.start > reachedAll) out.push(`${step.stepId} of the cancelled job started at ${e.start.toFixed(1)}, after the cancel at ${cancel.at.toFixed(1)}`)
        if (e.start <= reachedAll && (e.end ?? Number.POSITIVE_INFINITY) > reachedAll && e.outcome !== 'completed' && e.outcome !== 'failed') {
          out.push(`${step.stepId} of the cancelled job kept running until ${String(e.end)}`)
        }
      }
    }
  }
  return out
}

/** A node never claims a cache id at an epoch it (or anyone it heard) used before, across restarts. */
function checkEpochs (r: RunResult): string[] {
  const out: string[] = []
  const last = new Map<string, number>()
  for (const claim of r.truth.claims) {
    const key = `${claim.node}|${claim.cacheId}`
    const prev = last.get(key)
    if (prev !== undefined && claim.epoch <= prev) out.push(`n${claim.node} (incarnation ${claim.incarnation}) claimed ${claim.cacheId.slice(0, 8)} at epoch ${claim.epoch} after ${prev}`)
    last.set(key, claim.epoch)
  }
  return out
}

/** A restarted node resumes the jobs it knew (from its snapshot) and sees them end. */
function checkResumed (r: RunResult): string[] {
  const out: string[] = []
  for (const node of r.nodes) {
    if (node.status !== 'up' || node.incarnation === 0 || node.persisted === undefined) continue
    for (const job of node.persisted.jobs) {
      const now = node.coordinator.job(job.spec.jobId, node.localNow(r.endTime))
      if (now === undefined) out.push(`n${node.index} forgot job ${job.spec.jobId} after its restart`)
      else if (now.state === 'running') out.push(`n${node.index} did not finish job ${job.spec.jobId} after its restart`)
    }
  }
  return out
}

/**
 * With confirmations 2, every result a node keeps was attested by two distinct
 * members, unless no second live node could run the step then.
 */
function checkConfirmed (r: RunResult): string[] {
  const out: string[] = []
  for (const node of r.nodes) {
    if (node.status !== 'up') continue
    for (const job of node.coordinator.jobs(node.localNow(r.endTime))) {
      for (const step of job.steps) {
        if (step.state !== 'COMPLETED' || step.cid === undefined) continue
        const attesters = new Set((r.truth.byCache.get(step.cacheId) ?? []).filter(e => e.outcome === 'completed').map(e => e.node))
        // A step that fails on the other nodes cannot be confirmed by them.
        if (attesters.size < 2 && r.config.nodes.length > 1 && !r.config.precached.has(step.cacheId) && !r.config.exec.failOn.has(step.cacheId)) {
          const alone = r.truth.episodes.some(e => e.kind !== 'busy')
          if (!alone) out.push(`n${node.index} keeps ${step.cacheId.slice(0, 8)} run by only ${attesters.size} node(s)`)
        }
      }
    }
  }
  return out
}

/** No job's output is bytes that only the untrusted member produced. */
function checkNoUntrustedOutput (r: RunResult): string[] {
  const out: string[] = []
  const bad = [...r.config.exec.divergentOn]
  for (const node of r.nodes) {
    if (node.status !== 'up' || bad.includes(node.index)) continue
    for (const job of node.coordinator.jobs(node.localNow(r.endTime))) {
      for (const step of job.steps) {
        if (step.cid !== undefined && bad.some(b => step.cid === divergentCid(step.cacheId, b))) out.push(`n${node.index} keeps the untrusted member's bytes for ${step.cacheId.slice(0, 8)}`)
      }
    }
  }
  return out
}
