import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Heartbeat } from '../../../src/protocol/messages/heartbeat.ts'

/** Real Ed25519 peer ids, as strings. */
export async function makePeerIds (n: number): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    out.push(peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString())
  }
  return out
}

export function makeHeartbeat (peerId: string, seq: number, overrides: Partial<Heartbeat> = {}): Heartbeat {
  return {
    v: 1,
    type: 'heartbeat',
    peerId,
    addrs: ['/ip4/127.0.0.1/tcp/4101'],
    version: '0.1.0',
    seq,
    sentAt: seq,
    capacity: { slots: 2, cores: 2, freeDiskBytes: 10_000_000_000 },
    capabilities: { ffmpegVersion: '7.1', encoders: ['libx264', 'aac'] },
    load: { runningSteps: 0, loadAverage: 0.5 },
    leases: [],
    jobs: [],
    ...overrides
  }
}
