import { createHash } from 'node:crypto'
import { mkdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TRANSFER_PROTOCOL } from '../../../src/store/transfer/wire.ts'
import { addressOf, createTestCluster, until } from '../node/fixtures.ts'
import { addRandom, assertLocalDagIntact, makeHostile, MiB, partialFiles, sha256Hex, transferStreams } from './transfer-fixtures.ts'
import type { ArtdagNode } from '../../../src/node/create-node.ts'
import type { TestCluster } from '../node/fixtures.ts'

/**
 * The direct DAG transfer (/artdag/fetch/1.0.0) between real nodes over
 * loopback: content made on one node is read on another through it, verified,
 * and is then local and pinnable; peers that lack it say so and the reader
 * moves on; with no peer able to serve it, bitswap still does.
 */
describe('direct transfer between nodes', () => {
  let cluster: TestCluster
  let a: ArtdagNode
  let b: ArtdagNode
  let c: ArtdagNode

  beforeAll(async () => {
    cluster = await createTestCluster('artdag-direct-')
    a = await cluster.start('a')
    // One question at a time: which peer answers first is then the order asked, not a race.
    b = await cluster.start('b', { bootstrap: [addressOf(a)], transfer: { queryConcurrency: 1 } })
    c = await cluster.start('c', { bootstrap: [addressOf(a)] })
    await until(() => b.libp2p.getConnections(a.peerId).length > 0 && c.libp2p.getConnections(a.peerId).length > 0, [[b.libp2p, 'peer:connect'], [c.libp2p, 'peer:connect']], 'b and c to connect to a')
  })
  afterAll(async () => {
    await cluster.cleanup()
  })

  it('a file made on A is written to a file on B through the transfer: same bytes, then local and pinnable', async () => {
    const { cid, sha256 } = await addRandom(a, 24 * MiB + 123)
    const before = b.transfer.stats
    const served = a.transfer.stats.serve.served
    const out = join(cluster.dir, 'whole.bin')

    expect(await b.content.getFile(cid, out, { from: [a.peerId.toString()] })).toEqual({ size: 24 * MiB + 123 })

    expect(sha256Hex(await readFile(out))).toBe(sha256)
    const after = b.transfer.stats
    expect(after.fetched - before.fetched).toBe(1)
    expect(after.fellBack - before.fellBack).toBe(0)
    expect(after.blocks - before.blocks).toBe(26) // the root and 25 leaves of 1 MiB (the last one short)
    expect(a.transfer.stats.serve.served - served).toBe(1)
    expect(await b.content.stat(cid)).toEqual({ size: 24 * MiB + 123, local: true })
    expect(await assertLocalDagIntact(b, cid)).toBe(26)
    await b.content.pin({ cid, kind: 'final' })
    expect(await b.content.isPinned(cid)).toBe(true)
    expect(b.transfer.stats.fetched - after.fetched).toBe(0) // already local: the pin went to nobody
  })

  it('a range moves only the blocks it covers', async () => {
    const { cid, bytes } = await addRandom(a, 12 * MiB)
    const before = b.transfer.stats.blocks
    const parts: Uint8Array[] = []
    for await (const chunk of b.content.cat(cid, { offset: 5 * MiB + 3, length: 2 * MiB })) parts.push(chunk)
    expect(Buffer.compare(Buffer.concat(parts), bytes.subarray(5 * MiB + 3, 7 * MiB + 3))).toBe(0)
    expect(b.transfer.stats.blocks - before).toBe(4) // the root and leaves 5, 6 and 7
    expect((await b.content.stat(cid)).local).toBe(false)
  })

  it('pin fetches the whole DAG in one transfer from the hinted producer', async () => {
    const { cid } = await addRandom(a, 6 * MiB)
    const fetched = c.transfer.stats.fetched
    await c.content.pin({ cid, kind: 'final', labels: { job: 'j1' } }, { from: [a.peerId.toString()] })
    expect(c.transfer.stats.fetched - fetched).toBe(1)
    expect(await c.content.isPinned(cid)).toBe(true)
    expect(await assertLocalDagIntact(c, cid)).toBe(7)
    await c.content.gc()
    expect((await c.content.stat(cid)).local).toBe(true)
  })

  it('content collected and asked for again comes again, files, sizes and documents alike', async () => {
    // Bitswap alone stalls here: its ledger keeps blocks it sent as `sent` and drops the new want.
    const { cid, sha256 } = await addRandom(a, 3 * MiB)
    const doc = await a.content.putJson({ job: 'render', n: 1 })
    for (let round = 0; round < 2; round++) {
      const before = c.transfer.stats.fetched
      expect(await c.content.stat(cid)).toEqual({ size: 3 * MiB, local: false }) // the root block alone
      const chunks: Uint8Array[] = []
      for await (const chunk of c.content.cat(cid)) chunks.push(chunk)
      expect(sha256Hex(Buffer.concat(chunks))).toBe(sha256)
      expect(await c.content.getJson(doc)).toEqual({ job: 'render', n: 1 })
      expect(c.transfer.stats.fetched - before, `round ${round}`).toBe(3)
      await c.content.gc()
    }
  })

  it('a peer that lacks a block says so at once; the reader takes it from the next peer', async () => {
    const { cid, sha256 } = await addRandom(a, 5 * MiB)
    // c holds the root and the first leaf only: enough to serve that range, not the file
    for await (const _ of c.content.cat(cid, { length: 10 })) {}
    const notHere = c.transfer.stats.serve.notHere
    const fetched = b.transfer.stats.fetched

    const chunks: Uint8Array[] = []
    for await (const chunk of b.content.cat(cid, { from: [c.peerId.toString()] })) chunks.push(chunk)

    expect(sha256Hex(Buffer.concat(chunks))).toBe(sha256)
    expect(c.transfer.stats.serve.notHere - notHere).toBe(1)
    expect(b.transfer.stats.fetched - fetched).toBe(1) // from a, after c said no
  })

  it('a peer serving its limit says it is busy; the reader goes elsewhere', async () => {
    const busy = await cluster.start('busy', { bootstrap: [addressOf(a)], transfer: { serve: { maxConcurrent: 0 } } })
    try {
      const { cid, bytes } = await addRandom(a, 2 * MiB)
      await busy.content.addBytes(bytes)
      const fetched = b.transfer.stats.fetched
      await b.content.getFile(cid, join(cluster.dir, 'busy.bin'), { from: [busy.peerId.toString()] })
      expect(busy.transfer.stats.serve.busy).toBe(1)
      expect(b.transfer.stats.fetched - fetched).toBe(1)
    } finally {
      await busy.stop()
    }
  })

  it('with no peer able to serve it, bitswap fetches it', async () => {
    const holder = await cluster.start('bitswap-only', { bootstrap: [addressOf(b)] })
    await until(() => b.libp2p.getConnections(holder.peerId).length > 0, [[b.libp2p, 'peer:connect']], 'b to connect to the holder')
    await holder.libp2p.unhandle(TRANSFER_PROTOCOL) // an older node: bitswap only
    try {
      const { cid, sha256 } = await addRandom(holder, 3 * MiB)
      const before = b.transfer.stats
      const out = join(cluster.dir, 'bitswap.bin')
      await b.content.getFile(cid, out, { from: [holder.peerId.toString()] })
      expect(sha256Hex(await readFile(out))).toBe(sha256)
      expect(b.transfer.stats.fellBack - before.fellBack).toBe(1)
      expect(b.transfer.stats.fetched - before.fetched).toBe(0)
    } finally {
      await holder.stop()
    }
  })

  it('an abort mid-transfer leaves no file, no partial file and no open stream', async () => {
    const slow = await cluster.start('slow', { bootstrap: [addressOf(a)] })
    try {
      const { cid } = await addRandom(slow, 8 * MiB)
      const reached = Promise.withResolvers<void>()
      const { closed } = await makeHostile(slow, { slowAfter: 3, reached: reached.resolve })
      const dir = join(cluster.dir, 'abort')
      await mkdir(dir)
      const controller = new AbortController()
      const getting = b.content.getFile(cid, join(dir, 'out.bin'), { from: [slow.peerId.toString()], signal: controller.signal })
      await reached.promise // three blocks are on their way: the transfer is under way
      controller.abort()

      await expect(getting).rejects.toThrow(expect.objectContaining({ name: 'AbortedError' }))
      await closed // the holder saw the stream go
      expect(await partialFiles(dir)).toEqual([])
      await expect(stat(join(dir, 'out.bin'))).rejects.toThrow(expect.objectContaining({ code: 'ENOENT' }))
      expect(transferStreams(b)).toEqual([])
    } finally {
      await slow.stop()
    }
  })

  it('a slow reader holds the sender back instead of buffering the file', async () => {
    // A small buffer makes the stream pause and resume many times; were a pause undone by the
    // resume that triggered it, the holder would flood the stream and it would reset (a peer failure).
    const slowReader = await cluster.start('slow-reader', { bootstrap: [addressOf(a)], transfer: { readBufferBytes: 1024 * 1024 } })
    try {
      await until(() => slowReader.libp2p.getConnections(a.peerId).length > 0, [[slowReader.libp2p, 'peer:connect']], 'the slow reader to connect')
      const { cid, sha256 } = await addRandom(a, 64 * MiB)
      const hash = createHash('sha256')
      for await (const chunk of slowReader.content.cat(cid, { from: [a.peerId.toString()] })) {
        hash.update(chunk)
        await new Promise(resolve => setTimeout(resolve, 40)) // the reader's pace: 25 MiB/s at most
      }
      expect(hash.digest('hex')).toBe(sha256)
      const stats = slowReader.transfer.stats
      expect(stats).toMatchObject({ fetched: 1, fellBack: 0, peerFailures: 0 })
      // its own 1 MiB, a yamux window (16 MiB at most) and a frame: never the file
      expect(stats.peakBufferedBytes).toBeLessThan(20 * MiB)
    } finally {
      await slowReader.stop()
    }
  })

  it('a reader that stops early closes the stream', async () => {
    const { cid, bytes } = await addRandom(a, 6 * MiB)
    for await (const chunk of b.content.cat(cid)) {
      expect(Buffer.compare(chunk, bytes.subarray(0, chunk.byteLength))).toBe(0)
      break
    }
    expect(transferStreams(b)).toEqual([])
  })
})
