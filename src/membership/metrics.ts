import { Counter, Registry } from 'prom-client'

/**
 * Counters for membership and pubsub validation, in a prom-client registry the
 * daemon owns (one per node, never the global default). Creating them twice
 * on one registry returns the same counters.
 */
export type RejectReason = 'unsigned' | 'oversize' | 'malformed' | 'forged' | 'bad_signature' | 'future' | 'not_member'

export interface MembershipMetrics {
  readonly registry: Registry
  /** Our heartbeats, by result: `sent`, `no_peers` (nobody subscribed yet), `error`. */
  readonly heartbeatsPublished: Counter<'result'>
  /** Valid heartbeats from others, by result: `accepted` or `stale` (not newer than known). */
  readonly heartbeatsReceived: Counter<'result'>
  /** Messages a topic validator rejected, by topic and reason. */
  readonly messagesRejected: Counter<'topic' | 'reason'>
  /**
   * Valid messages delivered here but not forwarded, by topic: heartbeats whose every other
   * peer heard them from their author (docs/PROTOCOL.md "Heartbeat forwarding"). Not refusals.
   */
  readonly messagesNotForwarded: Counter<'topic'>
  /** Errors thrown by a topic's message handler (caught; the daemon keeps running). */
  readonly handlerErrors: Counter<'topic'>
  /**
   * Node records not taken in, by source (`heartbeat`, `registry`) and reason (`bad_signature`,
   * `future`, `not_allowed`): a registry entry another node cannot vouch for, a sequence far ahead.
   */
  readonly recordsRefused: Counter<'source' | 'reason'>
  /** Member state transitions, by new state (`joined`, `alive`, `suspect`, `dead`, `forgotten`). */
  readonly transitions: Counter<'event'>
  /** Registry documents published to IPNS, by result: `ok`, `error`. */
  readonly registryPublishes: Counter<'result'>
  /** Registry documents resolved and merged, by source (`self`, `peer`) and result (`ok`, `not_found`, `invalid`, `error`). */
  readonly registryPulls: Counter<'source' | 'result'>
  /** Dials to known members that were not connected, by result: `ok`, `error`. */
  readonly reconnects: Counter<'result'>
}

function counter<T extends string> (registry: Registry, name: string, help: string, labelNames: T[]): Counter<T> {
  const existing = registry.getSingleMetric(name)
  if (existing instanceof Counter) return existing as Counter<T>
  return new Counter<T>({ name, help, labelNames, registers: [registry] })
}

export function createMembershipMetrics (registry: Registry = new Registry()): MembershipMetrics {
  return {
    registry,
    heartbeatsPublished: counter(registry, 'artdag_heartbeats_published_total', 'Heartbeats this node published, by result', ['result']),
    heartbeatsReceived: counter(registry, 'artdag_heartbeats_received_total', 'Valid heartbeats received from other nodes, by result', ['result']),
    messagesRejected: counter(registry, 'artdag_pubsub_messages_rejected_total', 'Pubsub messages rejected by a topic validator, by topic and reason', ['topic', 'reason']),
    messagesNotForwarded: counter(registry, 'artdag_pubsub_messages_not_forwarded_total', 'Valid pubsub messages delivered here but not forwarded, since every other peer had them from their author, by topic', ['topic']),
    handlerErrors: counter(registry, 'artdag_pubsub_handler_errors_total', 'Errors thrown while handling a valid pubsub message, by topic', ['topic']),
    recordsRefused: counter(registry, 'artdag_membership_records_refused_total', 'Node records refused (from heartbeats or registry documents), by source and reason', ['source', 'reason']),
    transitions: counter(registry, 'artdag_membership_transitions_total', 'Membership events, by event', ['event']),
    registryPublishes: counter(registry, 'artdag_registry_publishes_total', 'Registry documents published under our IPNS name, by result', ['result']),
    registryPulls: counter(registry, 'artdag_registry_pulls_total', 'Registry documents resolved and merged, by source and result', ['source', 'result']),
    reconnects: counter(registry, 'artdag_membership_reconnects_total', 'Dials to known members that were not connected, by result', ['result'])
  }
}

/** The current value of one counter for one label set (0 when never incremented). */
export async function counterValue (c: Counter<string>, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await c.get()
  const keys = Object.keys(labels)
  let total = 0
  for (const v of values) {
    if (keys.every(k => String(v.labels[k]) === labels[k])) total += v.value
  }
  return total
}
