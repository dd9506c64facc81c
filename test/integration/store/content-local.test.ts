import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createEmbeddedNode } from '../../../src/node/embedded.ts'
import { parseCid } from '../../../src/store/cid.ts'
import type { EmbeddedNode } from '../../../src/node/embedded.ts'
import type { PinInfo } from '../../../src/store/types.ts'
import type { CID } from 'multiformats/cid'

const MiB = 1024 * 1024

describe('the content store on one node (embedded, offline)', () => {
  let dir: string
  let node: EmbeddedNode
  let now: number

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'artdag-content-'))
    now = 1_000_000
    node = await createEmbeddedNode({ home: join(dir, 'home'), content: { now: () => now } })
  })
  afterEach(async () => {
    await node.stop()
    await rm(dir, { recursive: true, force: true })
  })

  const local = async (cid: CID): Promise<boolean> => (await node.content.stat(cid)).local
  const pins = async (): Promise<PinInfo[]> => {
    const all: PinInfo[] = []
    for await (const pin of node.content.pins()) all.push(pin)
    return all
  }

  it('adds files and bytes as UnixFS CIDv1 with raw leaves, and reads them back', async () => {
    const bytes = randomBytes(2 * MiB + 5)
    const path = join(dir, 'in.bin')
    await writeFile(path, bytes)
    const fromFile = await node.content.addFile(path)
    expect(fromFile.toString()).toBe((await node.content.addBytes(bytes)).toString())
    expect(fromFile.version).toBe(1)
    expect(await node.content.stat(fromFile)).toEqual({ size: bytes.byteLength, local: true })
    const small = await node.content.addBytes(new TextEncoder().encode('hi'))
    expect(small.toString()).toMatch(/^bafkrei/) // one raw leaf

    const out = join(dir, 'out', 'copy.bin')
    await expect(node.content.getFile(fromFile, out)).rejects.toThrow(expect.objectContaining({ name: 'LocalFileError', message: `cannot write ${out}: ENOENT` }))
    await rm(join(dir, 'out'), { recursive: true, force: true })
    const flat = join(dir, 'copy.bin')
    expect(await node.content.getFile(fromFile, flat)).toEqual({ size: bytes.byteLength })
    expect(Buffer.compare(await readFile(flat), bytes)).toBe(0)
    expect((await readdir(dir)).filter(name => name.endsWith('.part'))).toEqual([])
  })

  it('names what is wrong: a missing file, a bad CID, content that is not here, the wrong type', async () => {
    await expect(node.content.addFile(join(dir, 'nope.bin'))).rejects.toThrow(`cannot add ${join(dir, 'nope.bin')}: ENOENT`)
    await expect(node.content.addFile(dir)).rejects.toThrow(`cannot add ${dir}: ENOTFILE`)
    expect(() => parseCid('bafy-not-a-cid')).toThrow(expect.objectContaining({ name: 'InvalidCidError', message: expect.stringContaining('not a CID: "bafy-not-a-cid"') }))
    expect(parseCid(' bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy ').toString()).toBe('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')
    const absent = parseCid('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')
    await expect(node.content.stat(absent)).rejects.toThrow(expect.objectContaining({
      name: 'ContentNotFoundError',
      message: `block ${absent} is not in the local store and this node does not fetch from peers`
    }))
    const doc = await node.content.putJson({ a: 1 })
    expect(await node.content.getJson(doc)).toEqual({ a: 1 })
    await expect(node.content.stat(doc)).rejects.toThrow(expect.objectContaining({ name: 'WrongContentTypeError' }))
    await expect(node.content.getJson(await node.content.addBytes(new Uint8Array([1])))).rejects.toThrow(/is not a dag-json document/)

    const controller = new AbortController()
    const source = (async function* () {
      yield randomBytes(MiB)
      controller.abort() // the caller gives up half way
      yield randomBytes(MiB)
    })()
    await expect(node.content.addStream(source, { signal: controller.signal })).rejects.toThrow(expect.objectContaining({ name: 'AbortedError', message: 'aborted while adding content' }))
  })

  it('gc collects unpinned content, keeps pinned content, and collects expired intermediates', async () => {
    const unpinned = await node.content.addBytes(randomBytes(MiB + 1))
    const final = await node.content.addBytes(randomBytes(MiB + 2), { pin: { kind: 'final', labels: { job: 'j1' } } })
    const expired = await node.content.addBytes(randomBytes(MiB + 3), { pin: { kind: 'intermediate', expiresAt: now + 10 } })
    const fresh = await node.content.addBytes(randomBytes(MiB + 4), { pin: { kind: 'intermediate', expiresAt: now + 1000 } })
    const doc = await node.content.putJson({ provenance: final }, { pin: { kind: 'user' } })

    now += 100 // `expired` is past its time, `fresh` is not
    const result = await node.content.gc()
    expect(result.expiredPins).toBe(1)
    expect(result.removedBlocks).toBe(6) // two files of two leaves and a root each
    await expect(local(unpinned)).rejects.toThrow(/ContentNotFound|not in the local store/)
    await expect(local(expired)).rejects.toThrow(/not in the local store/)
    expect(await local(final)).toBe(true)
    expect(await local(fresh)).toBe(true)
    expect(await node.content.getJson(doc)).toEqual({ provenance: final })

    expect((await pins()).map(p => ({ cid: p.cid.toString(), kind: p.kind, labels: p.labels })).sort((x, y) => x.kind.localeCompare(y.kind))).toEqual([
      { cid: final.toString(), kind: 'final', labels: { job: 'j1' } },
      { cid: fresh.toString(), kind: 'intermediate', labels: undefined },
      { cid: doc.toString(), kind: 'user', labels: undefined }
    ])

    now += 10_000
    expect(await node.content.gc()).toEqual({ expiredPins: 1, removedBlocks: 3 })
    expect(await local(final)).toBe(true)
  })

  it('pinning again merges; unpinning makes it collectable; unpinning twice says it is not pinned', async () => {
    const cid = await node.content.addBytes(randomBytes(1000), { pin: { kind: 'intermediate', expiresAt: now + 10, labels: { step: 's1' } } })
    await node.content.pin({ cid, kind: 'final', labels: { job: 'j2' } })
    expect(await pins()).toEqual([{ cid, kind: 'final', labels: { step: 's1', job: 'j2' } }])
    now += 100
    expect((await node.content.gc()).expiredPins).toBe(0) // promoted to final: no longer expires
    expect(await node.content.isPinned(cid)).toBe(true)
    await node.content.unpin(cid)
    expect(await node.content.isPinned(cid)).toBe(false)
    await expect(node.content.unpin(cid)).rejects.toThrow(expect.objectContaining({ name: 'NotPinnedError', message: `${cid} is not pinned` }))
    expect(await node.content.gc()).toEqual({ expiredPins: 0, removedBlocks: 1 })
  })

  it('unpinning and pinning again never leaves a shared block unprotected (Helia pins.rm bug)', async () => {
    const shared = randomBytes(MiB) // the first leaf of both files
    const a = await node.content.addBytes(Buffer.concat([shared, randomBytes(10)]), { pin: { kind: 'final' } })
    const b = await node.content.addBytes(Buffer.concat([shared, randomBytes(10)]), { pin: { kind: 'final' } })
    await node.content.unpin(b)
    await node.content.pin({ cid: b, kind: 'final' })
    await node.content.unpin(a)
    expect(await node.content.gc()).toEqual({ expiredPins: 0, removedBlocks: 2 }) // a's root and its own leaf
    expect(await node.content.stat(b)).toEqual({ size: MiB + 10, local: true })
    await node.content.unpin(b)
    expect(await node.content.gc()).toEqual({ expiredPins: 0, removedBlocks: 3 })
  })

  it('keeps its content across restarts, and shares the home lock', async () => {
    const cid = await node.content.addBytes(new TextEncoder().encode('kept'), { pin: { kind: 'user' } })
    await node.cacheIndex.put({ cacheId: 'e'.repeat(64), cid: cid.toString(), producer: 'local', createdAt: 1 })
    await expect(createEmbeddedNode({ home: join(dir, 'home') })).rejects.toThrow(expect.objectContaining({ name: 'RepoLockedError' }))
    await node.stop()
    node = await createEmbeddedNode({ home: join(dir, 'home') })
    expect(await node.content.isPinned(cid)).toBe(true)
    expect(await node.cacheIndex.get('e'.repeat(64))).toMatchObject({ cid: cid.toString() })
    expect(node.peerId).toBeUndefined() // a home made by a render has no identity
  })
})
