import { describe, expect, it } from 'vitest'
import { executorBuilds } from '../../../src/daemon/backends.ts'
import type { Member } from '../../../src/membership/index.ts'

function member (peerId: string, ffmpegVersion: string | null, threads: number | undefined, state: Member['state'] = 'alive', slots = 2): Member {
  return {
    peerId,
    state,
    source: 'heartbeat',
    record: { peerId, addrs: [], version: '0.1.0', seq: 1, sentAt: 1, capacity: { slots, cores: 2, freeDiskBytes: 1 }, capabilities: { ffmpegVersion, encoders: [], ...(threads !== undefined ? { threads } : {}) } },
    heartbeat: undefined,
    heardAt: 1,
    learnedAt: 1,
    lastSeen: 1,
    stateSince: 1
  }
}

describe('executor builds', () => {
  it('groups the live nodes that run steps by ffmpeg build and thread setting, and calls more than one group a split', () => {
    const same = executorBuilds([member('a', '7.1', 0), member('b', '7.1', undefined), member('c', null, 0), member('d', '6.0', 0, 'dead'), member('e', '6.0', 0, 'alive', 0)])
    expect(same).toEqual({ builds: [{ ffmpegVersion: '7.1', threads: 0, peers: ['a', 'b'] }], split: false })
    const split = executorBuilds([member('a', '7.1', 0), member('b', '7.1', 4), member('c', '6.0', 0), member('d', '7.1', 0)])
    expect(split.split).toBe(true)
    expect(split.builds.map(b => [b.ffmpegVersion, b.threads, b.peers.length])).toEqual([['7.1', 0, 2], ['6.0', 0, 1], ['7.1', 4, 1]])
  })
})
