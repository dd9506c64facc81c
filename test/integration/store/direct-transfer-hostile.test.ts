import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addressOf, createTestCluster, until } from '../node/fixtures.ts'
import { addRandom, assertLocalDagIntact, capturingLogger, makeHostile, MiB, sha256Hex, transferStreams } from './transfer-fixtures.ts'
import type { Hostility } from './transfer-fixtures.ts'
import type { ArtdagNode } from '../../../src/node/create-node.ts'
import type { TestCluster } from '../node/fixtures.ts'

/**
 * A holder that lies: it says HAVE, then sends a corrupt block, a block from
 * outside the DAG, an oversized frame, garbage, ends early or stalls. The
 * reader must take none of it: a clean, logged peer failure, the rest fetched
 * from an honest peer, nothing bad in its store, no crash, no stream left open.
 */
describe('direct transfer from hostile peers', () => {
  let cluster: TestCluster
  let honest: ArtdagNode
  let reader: ArtdagNode
  const logs = capturingLogger()

  beforeAll(async () => {
    cluster = await createTestCluster('artdag-hostile-')
    honest = await cluster.start('honest')
    reader = await cluster.start('reader', {
      bootstrap: [addressOf(honest)],
      logger: logs,
      // the hinted (hostile) peer is asked alone, first; stalls are found quickly
      transfer: { queryConcurrency: 1, firstBlockTimeoutMs: 1000, idleTimeoutMs: 1000 }
    })
    await until(() => reader.libp2p.getConnections(honest.peerId).length > 0, [[reader.libp2p, 'peer:connect']], 'the reader to connect')
  })
  afterAll(async () => {
    await cluster.cleanup()
  })

  const cases: Array<[Hostility, RegExp]> = [
    ['corrupt-block', /sent corrupt block \w+: its 1048576 bytes hash to something else/],
    ['foreign-block', /sent block \w+ where \w+ needs \w+ next/],
    ['oversized-frame', /announced a 104857601 byte frame, over the \d+ byte limit/],
    ['garbage', /sent a 0x42 frame in answer to a request for \w+, expected have or notHere or error/],
    ['early-close', /closed the stream while \w+ was due/],
    ['stall', /sent nothing for 1000 ms while receiving/]
  ]

  for (const [hostility, message] of cases) {
    it(`${hostility}: the reader drops the peer, takes the file from an honest one and keeps no bad block`, async () => {
      const evil = await cluster.start(`evil-${hostility}`, { bootstrap: [addressOf(reader)] })
      try {
        await until(() => reader.libp2p.getConnections(evil.peerId).length > 0, [[reader.libp2p, 'peer:connect']], 'the reader to connect to the hostile peer')
        const { cid, sha256, bytes } = await addRandom(honest, 5 * MiB + 77)
        await evil.content.addBytes(bytes) // the hostile peer really holds it: it answers HAVE
        await makeHostile(evil, hostility)
        const before = reader.transfer.stats
        const warnings = logs.entries.length

        const out = join(cluster.dir, `${hostility}.bin`)
        await reader.content.getFile(cid, out, { from: [evil.peerId.toString()] })

        expect(sha256Hex(await readFile(out))).toBe(sha256)
        const after = reader.transfer.stats
        expect(after.peerFailures - before.peerFailures).toBe(1)
        expect(after.fetched - before.fetched).toBe(1) // the rest, from the honest peer
        const failure = logs.entries.slice(warnings).find(entry => entry.level === 'warn' && entry.fields.peer === evil.peerId.toString())
        // The log line carries the error object (name, message, cause), not only its message.
        expect((failure?.fields.err as { message?: string } | undefined)?.message).toMatch(message)
        expect(await assertLocalDagIntact(reader, cid)).toBe(7)
        expect(transferStreams(reader)).toEqual([])
      } finally {
        await evil.stop()
        await reader.content.gc()
      }
    })
  }

  it('when the only holder is hostile, bitswap from it still delivers the verified bytes', async () => {
    const evil = await cluster.start('evil-alone', { bootstrap: [addressOf(reader)] })
    try {
      await until(() => reader.libp2p.getConnections(evil.peerId).length > 0, [[reader.libp2p, 'peer:connect']], 'the reader to connect to the hostile peer')
      const { cid, sha256 } = await addRandom(evil, 3 * MiB)
      await makeHostile(evil, 'corrupt-block')
      const before = reader.transfer.stats
      const chunks: Uint8Array[] = []
      for await (const chunk of reader.content.cat(cid, { from: [evil.peerId.toString()] })) chunks.push(chunk)
      expect(sha256Hex(Buffer.concat(chunks))).toBe(sha256)
      expect(reader.transfer.stats.peerFailures - before.peerFailures).toBe(1)
      expect(reader.transfer.stats.fellBack - before.fellBack).toBe(1)
      expect(await assertLocalDagIntact(reader, cid)).toBe(4)
    } finally {
      await evil.stop()
    }
  })
})
