import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addressOf, createTestCluster, until } from '../node/fixtures.ts'
import type { ArtdagNode } from '../../../src/node/create-node.ts'
import type { TestCluster } from '../node/fixtures.ts'

const MiB = 1024 * 1024

/** 12 MiB of random bytes made on the fly, in odd-sized pieces, hashed as they go. */
function randomSource (size: number, hash: ReturnType<typeof createHash>): AsyncIterable<Uint8Array> {
  return (async function* () {
    for (let left = size; left > 0;) {
      const piece = randomBytes(Math.min(left, 200_003))
      hash.update(piece)
      left -= piece.byteLength
      yield piece
    }
  })()
}

describe('content across nodes', () => {
  let cluster: TestCluster
  let a: ArtdagNode
  let b: ArtdagNode
  let c: ArtdagNode

  beforeAll(async () => {
    cluster = await createTestCluster('artdag-transfer-')
    a = await cluster.start('a')
    b = await cluster.start('b', { bootstrap: [addressOf(a)] })
    c = await cluster.start('c', { bootstrap: [addressOf(a)] })
    await until(() => c.libp2p.getConnections(a.peerId).length > 0, [[c.libp2p, 'peer:connect']], 'c to connect to a')
  })
  afterAll(async () => {
    await cluster.cleanup()
  })

  it('a 12 MiB stream added on one node streams back on another, never whole in memory', async () => {
    const sent = createHash('sha256')
    const cid = await a.content.addStream(randomSource(12 * MiB, sent))
    expect(cid.version).toBe(1)
    expect(await a.content.stat(cid)).toEqual({ size: 12 * MiB, local: true })
    expect(await c.content.stat(cid)).toEqual({ size: 12 * MiB, local: false })

    const received = createHash('sha256')
    let bytes = 0
    let largest = 0
    for await (const chunk of c.content.cat(cid)) {
      received.update(chunk)
      bytes += chunk.byteLength
      largest = Math.max(largest, chunk.byteLength)
    }
    expect(bytes).toBe(12 * MiB)
    expect(received.digest('hex')).toBe(sent.digest('hex'))
    expect(largest).toBeLessThanOrEqual(MiB) // one UnixFS leaf at a time
    expect(await c.content.stat(cid)).toEqual({ size: 12 * MiB, local: true })
  })

  it('getFile writes content fetched from a peer to a file; ranges of cat', async () => {
    const bytes = randomBytes(3 * MiB + 17)
    const cid = await b.content.addBytes(bytes)
    const out = join(cluster.dir, 'out.bin')
    expect(await c.content.getFile(cid, out)).toEqual({ size: bytes.byteLength })
    expect(Buffer.compare(await readFile(out), bytes)).toBe(0)

    const parts: Uint8Array[] = []
    for await (const chunk of a.content.cat(cid, { offset: MiB - 5, length: MiB + 10 })) parts.push(chunk)
    expect(Buffer.compare(Buffer.concat(parts), bytes.subarray(MiB - 5, 2 * MiB + 5))).toBe(0)
  })

  it('a dag-json document and a pin fetch from peers', async () => {
    const doc = { job: 'render', inputs: ['x', 'y'], n: 3 }
    const cid = await a.content.putJson(doc)
    expect(await c.content.getJson(cid)).toEqual(doc)

    const file = await a.content.addBytes(randomBytes(2 * MiB + 1))
    expect((await b.content.stat(file)).local).toBe(false)
    await b.content.pin({ cid: file, kind: 'final', labels: { job: 'j1' } })
    expect(await b.content.stat(file)).toEqual({ size: 2 * MiB + 1, local: true })
    expect(await b.content.isPinned(file)).toBe(true)
  })

  it('content no peer has fails with a timeout naming the block; an abort says so', async () => {
    const orphan = await cluster.start('orphan')
    const cid = await orphan.content.addBytes(randomBytes(100))
    await orphan.stop() // nobody has it now
    const asker = await cluster.start('asker', { content: { fetchTimeoutMs: 500 }, bootstrap: [addressOf(a)] })
    await until(() => asker.libp2p.getConnections(a.peerId).length > 0, [[asker.libp2p, 'peer:connect']], 'asker to connect to a')
    await expect(async () => {
      for await (const _ of asker.content.cat(cid)) {}
    }).rejects.toThrow(expect.objectContaining({
      name: 'ContentTimeoutError',
      kind: 'timeout',
      message: `no peer provided block ${cid} within 500 ms`
    }))
    const controller = new AbortController()
    const reading = c.content.stat(cid, { signal: controller.signal })
    controller.abort()
    await expect(reading).rejects.toThrow(expect.objectContaining({ name: 'AbortedError', message: `aborted while reading block ${cid}` }))
  })
})
