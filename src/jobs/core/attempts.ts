import { resultsDisagree } from './results.ts'
import type { Core } from './state.ts'
import type { PeerId } from './types.ts'

/**
 * When a step has failed for good. Attempts count on distinct nodes while
 * other capable nodes exist: a node cut off from the others, failing a step
 * three times alone, has not shown that the step cannot succeed, and must not
 * make the cluster give up on a job (or abort a healthy execution elsewhere)
 * when the partition heals. So a step fails for good when `maxAttempts`
 * distinct nodes failed it, or when it failed `maxAttempts` times and every
 * live node able to run it is among those that failed. Only failures of leases
 * this node heard claimed count as distinct nodes; one it could not verify
 * counts only among "every capable node tried". The answer depends on
 * the membership view, which is why a failed job is re-judged when the view
 * changes (lifecycle.ts, settleJob).
 */
export function failedForGood (core: Core, cacheId: string): boolean {
  if (resultsDisagree(core, cacheId)) return true
  const failures = core.book.failuresOf(cacheId)
  const max = core.o.maxAttempts
  if (failures.length < max) return false
  if (new Set(failures.filter(f => f.verified).map(f => f.holder)).size >= max) return true
  const failedOn = new Set(failures.map(f => f.holder))
  const requires = core.book.items.get(cacheId)?.requires ?? []
  for (const peer of capableNodes(core, requires)) if (!failedOn.has(peer)) return false
  return true
}

/** The live nodes (this one included) with every capability `requires` names and slots to run it. */
export function capableNodes (core: Core, requires: readonly string[]): PeerId[] {
  const out: PeerId[] = []
  if (core.o.slots > 0 && hasAll(core.o.capabilities, requires)) out.push(core.o.self)
  for (const m of core.members.values()) {
    if (m.state !== 'alive' || m.peerId === core.o.self || m.slots <= 0) continue
    if (hasAll(m.capabilitySet, requires)) out.push(m.peerId)
  }
  return out
}

export function hasAll (have: ReadonlySet<string>, needed: readonly string[]): boolean {
  for (const n of needed) if (!have.has(n)) return false
  return true
}
