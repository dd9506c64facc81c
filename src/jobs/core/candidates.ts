import { hasAll } from './attempts.ts'
import type { Core } from './state.ts'
import type { WorkItem } from './job-book.ts'
import type { PeerId } from './types.ts'

/**
 * The submitter a step should run on (StepSpec.nearSubmitter), if any: that of
 * the oldest job wanting it so, so every node that knows the same jobs names
 * the same one (a node that knows fewer may name another: a contested claim,
 * which the lease protocol settles like any other).
 */
function preferredSubmitter (core: Core, item: WorkItem): PeerId | undefined {
  let best: { submittedAt: number, jobId: string, submitter: PeerId } | undefined
  for (const ref of item.refs) {
    const job = core.book.jobs.get(ref.jobId)
    const submitter = job?.spec.submitter
    if (job === undefined || submitter === undefined) continue
    if (job.steps.find(s => s.stepId === ref.stepId)?.nearSubmitter !== true) continue
    if (best === undefined || job.submittedAt < best.submittedAt || (job.submittedAt === best.submittedAt && job.jobId < best.jobId)) {
      best = { submittedAt: job.submittedAt, jobId: job.jobId, submitter }
    }
  }
  return best?.submitter
}

/**
 * Who may claim a work item, best first: live nodes with every capability the
 * step requires and a free slot (slots minus the leases every node can count in
 * its table), ranked by rendezvous score for the cache id, except that a step
 * meant to run near its submitter puts that node first. Nodes that already
 * failed the step are left out unless every capable node has; so is the holder
 * of a lapsed lease being taken over.
 */
export function rankCandidates (core: Core, item: WorkItem, lapsedHolder: PeerId | undefined, held: ReadonlyMap<PeerId, number>): PeerId[] {
  const capable: Array<{ peerId: PeerId, slots: number }> = []
  if (hasAll(core.o.capabilities, item.requires)) capable.push({ peerId: core.o.self, slots: core.o.slots })
  for (const m of core.members.values()) {
    if (m.state !== 'alive' || m.peerId === core.o.self) continue
    if (!hasAll(m.capabilitySet, item.requires)) continue
    capable.push({ peerId: m.peerId, slots: m.slots })
  }
  // Nodes that failed the step, or already reported a result for it (a confirmation must come from someone else).
  const failed = new Set([...core.book.failuresOf(item.cacheId).map(f => f.holder), ...core.book.votersOf(item.cacheId)])
  const everyoneFailed = capable.every(c => failed.has(c.peerId))
  const eligible = capable.filter(c =>
    c.peerId !== lapsedHolder &&
    (everyoneFailed || !failed.has(c.peerId)) &&
    c.slots - (held.get(c.peerId) ?? 0) > 0
  )
  const preferred = preferredSubmitter(core, item)
  return eligible
    .map(c => ({ peerId: c.peerId, score: c.peerId === preferred ? Number.POSITIVE_INFINITY : core.scores.score(item.cacheId, c.peerId) }))
    .sort((a, b) => b.score - a.score || (a.peerId < b.peerId ? 1 : a.peerId > b.peerId ? -1 : 0))
    .map(c => c.peerId)
}
