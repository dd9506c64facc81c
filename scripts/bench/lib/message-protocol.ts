/**
 * What scripts/bench/message-cost.ts and its peer processes
 * (scripts/bench/lib/message-peer.ts) say to each other over IPC: one request,
 * one reply with the same `id` (or `{ id, error }`). The peer sends
 * `{ type: 'ready', peerId, addr }` once it listens.
 */
export const MODES = ['gossip', 'direct', 'signed', 'gossip-nofwd', 'gossip-idontwant', 'tcp'] as const
export type Mode = typeof MODES[number]

export type Request =
  /** `dial`: the peers this one connects to (libp2p: one connection per pair); `addrs`: every other peer's, by id. */
  | { id: number, type: 'connect', dial: string[], addrs: Record<string, string>, timeoutMs: number }
  | { id: number, type: 'prepare', count: number }
  | { id: number, type: 'publish', count: number, rate: number }
  | { id: number, type: 'wait', perPeer: number, timeoutMs: number }
  | { id: number, type: 'sample' }
  | { id: number, type: 'stop' }

/** Counters since start, and the process's CPU (user + system) when they were read. */
export interface Sample {
  cpuMicros: number
  delivered: number
  /** Messages gossipsub handled, duplicates included (gossip modes). */
  copies: number
  failures: number
  payloadBytes: number
  sent: number
}
