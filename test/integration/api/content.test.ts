import { createHash } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { LocalFileError } from '../../../src/store/errors.ts'
import type { ContentStore } from '../../../src/store/types.ts'
import { harnessPerTest } from './fixtures.ts'
import { rawRequest } from './helpers.ts'

const start = harnessPerTest()

const MiB = 1024 * 1024

/** Chunk i of a deterministic test body. */
function chunkAt (i: number, size: number): Buffer {
  const chunk = Buffer.alloc(size)
  for (let j = 0; j < size; j += 4096) chunk.writeUInt32BE((i * 7919 + j) >>> 0, j)
  return chunk
}

describe('content', () => {
  it('adds a file (pinned as user) and reads it back whole, by range and by stat', async () => {
    const { client, content, home } = await start()
    const file = join(home, '..', 'input.bin')
    const bytes = Buffer.concat([chunkAt(1, MiB), Buffer.from('tail')])
    await writeFile(file, bytes)

    const added = await client.addFile(file)
    expect(added).toEqual({ cid: (await content.addBytes(bytes)).toString(), size: bytes.byteLength, pinned: true })
    expect((await client.pins()).pins).toEqual([{ cid: added.cid, kind: 'user' }])

    const whole = await client.cat(added.cid)
    expect(whole.size).toBe(bytes.byteLength)
    const parts: Buffer[] = []
    for await (const chunk of whole.body) parts.push(Buffer.from(chunk))
    expect(Buffer.concat(parts).equals(bytes)).toBe(true)

    const range = await client.cat(added.cid, { offset: MiB - 2, length: 4 })
    const got: Buffer[] = []
    for await (const chunk of range.body) got.push(Buffer.from(chunk))
    expect(Buffer.concat(got)).toEqual(bytes.subarray(MiB - 2, MiB + 2))

    expect(await client.stat(added.cid)).toEqual({ cid: added.cid, size: bytes.byteLength, local: true, pinned: true })
  })

  it('adds without pinning on request; gc then removes it', async () => {
    const { client } = await start()
    const added = await client.add(
      (async function* () {
        yield Buffer.from('scratch')
      })(),
      { pin: 'none' }
    )
    expect(added.pinned).toBe(false)
    expect((await client.stat(added.cid)).pinned).toBe(false)
    expect((await client.gc()).removedBlocks).toBeGreaterThan(0)
    await expect(client.stat(added.cid)).rejects.toMatchObject({ name: 'ContentNotFoundError', status: 404 })
  })

  it('answers 404 for content that is not there and 400 for an offset past the end', async () => {
    const { client, socketPath } = await start()
    const missing = 'bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq'
    await expect(client.cat(missing)).rejects.toMatchObject({ name: 'ContentNotFoundError', kind: 'not_found', status: 404 })
    const added = await client.add((async function* () {
      yield Buffer.from('abc')
    })())
    const res = await rawRequest(socketPath, 'GET', `/v1/content/${added.cid}?offset=4`)
    expect(res.status).toBe(400)
    expect(res.json().error.message).toBe(`offset 4 is past the end of ${added.cid} (3 bytes)`)
  })

  it('downloads to a file atomically: the whole file or nothing, no partial file left', async () => {
    const { client, home } = await start()
    const dir = join(home, '..')
    const added = await client.add((async function* () {
      yield chunkAt(2, 3 * MiB)
    })())
    const target = join(dir, 'out.bin')
    await writeFile(target, 'old contents')

    expect(await client.getFile(added.cid, target)).toEqual({ cid: added.cid, size: 3 * MiB, path: target })
    expect((await readFile(target)).equals(chunkAt(2, 3 * MiB))).toBe(true)

    await expect(client.getFile('bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq', join(dir, 'missing.bin'))).rejects.toMatchObject({ status: 404 })
    expect((await readdir(dir)).filter(name => name.includes('.partial') || name === 'missing.bin')).toEqual([])
  })

  it('exports to a file the daemon writes itself; a relative path is a 400 and an unwritable one a 403 naming it', async () => {
    const { client, home, socketPath } = await start()
    const dir = join(home, '..')
    const bytes = chunkAt(3, 2 * MiB)
    const added = await client.add((async function* () {
      yield bytes
    })())

    const target = join(dir, 'exported.bin')
    expect(await client.exportFile(added.cid, target)).toEqual({ cid: added.cid, size: bytes.byteLength, path: target })
    expect((await readFile(target)).equals(bytes)).toBe(true)

    const relative = await rawRequest(socketPath, 'POST', `/v1/content/${added.cid}/export`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: 'exported.bin' })
    })
    expect(relative.status).toBe(400)
    expect(relative.json().error.message).toContain('path exported.bin is not absolute')

    // A path under a regular file can be written by no one, root included.
    const underFile = join(target, 'inside.bin')
    await expect(client.exportFile(added.cid, underFile)).rejects.toMatchObject({ name: 'ExportPathError', status: 403, message: `the daemon cannot write ${underFile}: ${target} is not a directory` })
    expect((await readdir(dir)).filter(name => name.includes('.partial'))).toEqual([])
  })

  it('exports with progress: the size at once, then how far, then the result; a failure after the first line comes as the error a plain export throws', async () => {
    const { client, home, socketPath } = await start()
    const dir = join(home, '..')
    const bytes = chunkAt(5, 8 * MiB)
    const added = await client.add((async function* () {
      yield bytes
    })())
    const target = join(dir, 'with-progress.bin')
    const seen: Array<{ done: number, total: number }> = []
    expect(await client.exportFile(added.cid, target, { onProgress: p => seen.push(p) })).toEqual({ cid: added.cid, size: bytes.byteLength, path: target })
    expect((await readFile(target)).equals(bytes)).toBe(true)
    expect(seen[0]).toEqual({ done: 0, total: bytes.byteLength })
    for (const [i, p] of seen.entries()) {
      expect(p.total).toBe(bytes.byteLength)
      expect(p.done).toBeGreaterThanOrEqual(seen[i - 1]?.done ?? 0)
      expect(p.done).toBeLessThanOrEqual(bytes.byteLength)
    }

    // The wire: NDJSON only when asked for.
    const raw = await rawRequest(socketPath, 'POST', `/v1/content/${added.cid}/export`, {
      headers: { 'content-type': 'application/json', accept: 'application/x-ndjson' },
      body: JSON.stringify({ path: target })
    })
    expect(raw.status).toBe(200)
    const lines = raw.text.trim().split('\n').map(line => JSON.parse(line) as unknown)
    expect(lines[0]).toEqual({ progress: { done: 0, total: bytes.byteLength } })
    expect(lines.at(-1)).toEqual({ result: { cid: added.cid, size: bytes.byteLength, path: target } })

    // Content nobody has fails before the first line: a plain 404, whatever was asked.
    const missing = 'bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq'
    await expect(client.exportFile(missing, join(dir, 'missing.bin'), { onProgress: () => {} })).rejects.toMatchObject({ name: 'ContentNotFoundError', status: 404 })
  })

  it('an export with progress that fails midway (the disk full) ends with the error a plain export throws', async () => {
    // The store writes a first chunk, then the disk is full.
    const diskFull = (store: ContentStore): ContentStore => ({
      ...bind(store),
      getFile: async (_cid, path, options) => {
        options?.onProgress?.(MiB)
        throw new LocalFileError(`cannot write ${path}: ENOSPC`, { path }, { cause: Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }) })
      }
    })
    const { client, home } = await start({ wrapContent: diskFull })
    const bytes = chunkAt(6, 2 * MiB)
    const added = await client.add((async function* () {
      yield bytes
    })())
    const target = join(home, '..', 'full.bin')
    const seen: Array<{ done: number, total: number }> = []
    await expect(client.exportFile(added.cid, target, { onProgress: p => seen.push(p) })).rejects.toMatchObject({ name: 'ExportPathError', status: 403, message: `the daemon cannot write ${target} (ENOSPC)` })
    expect(seen[0]).toEqual({ done: 0, total: bytes.byteLength })
    // The same failure without progress: the same error, as a plain HTTP answer.
    await expect(client.exportFile(added.cid, target)).rejects.toMatchObject({ name: 'ExportPathError', status: 403, message: `the daemon cannot write ${target} (ENOSPC)` })
  })

  it('streams a 64 MiB upload through to the store as it arrives, in socket-sized chunks', { timeout: 120_000 }, async () => {
    // The client sends chunk i only once the store has received chunk i-1: if the server
    // gathered the body before handing it on, the upload could not finish at all.
    let received = 0
    let largestChunk = 0
    let waiter: { bytes: number, resolve: () => void } | undefined
    const waitFor = (bytes: number): Promise<void> => (received >= bytes ? Promise.resolve() : new Promise(resolve => {
      waiter = { bytes, resolve }
    }))
    const watch = (store: ContentStore): ContentStore => ({
      ...bind(store),
      addStream: async (source, options) =>
        await store.addStream(
          (async function* () {
            for await (const chunk of source) {
              received += chunk.byteLength
              largestChunk = Math.max(largestChunk, chunk.byteLength)
              if (waiter !== undefined && received >= waiter.bytes) waiter.resolve()
              yield chunk
            }
          })(),
          options
        )
    })
    const { client } = await start({ wrapContent: watch })

    const total = 64 * MiB
    const sent = createHash('sha256')
    const source = (async function* () {
      for (let i = 0; i < total / MiB; i++) {
        await waitFor(i * MiB)
        const chunk = chunkAt(i, MiB)
        sent.update(chunk)
        yield chunk
      }
    })()
    const added = await client.add(source, { size: total })
    expect(added.size).toBe(total)
    expect(received).toBe(total)
    expect(largestChunk).toBeLessThanOrEqual(MiB)

    const back = createHash('sha256')
    const download = await client.cat(added.cid)
    for await (const chunk of download.body) back.update(chunk)
    expect(back.digest('hex')).toBe(sent.digest('hex'))
  })
})

describe('content that does not come', () => {
  /** A store whose reads of `stalled` wait until aborted, like a block no peer provides. */
  const stalling = (stalled: { cid?: string, afterFirstChunk?: boolean }) => (store: ContentStore): ContentStore => {
    const hang = (signal?: AbortSignal): Promise<never> =>
      new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => {
          reject(signal.reason)
        }, { once: true })
      })
    return {
      ...bind(store),
      stat: async (cid, options) => (stalled.afterFirstChunk !== true && cid.toString() === stalled.cid ? await hang(options?.signal) : await store.stat(cid, options)),
      cat: (cid, options) => (cid.toString() !== stalled.cid
        ? store.cat(cid, options)
        : (async function* () {
          if (stalled.afterFirstChunk === true) {
            for await (const chunk of store.cat(cid, options)) {
              yield chunk.subarray(0, 1)
              break
            }
          }
          await hang(options?.signal)
        })())
    }
  }

  it('a fetch that finds nothing in time is a 504 TimeoutError naming the CID', async () => {
    const stalled: { cid?: string } = {}
    const { client } = await start({ init: { contentTimeoutMs: 50 }, wrapContent: stalling(stalled) })
    stalled.cid = (await client.add((async function* () {
      yield Buffer.from('slow')
    })())).cid
    await expect(client.cat(stalled.cid)).rejects.toMatchObject({ name: 'TimeoutError', kind: 'timeout', status: 504, message: `content ${stalled.cid} did not answer within 50 ms` })
    await expect(client.stat(stalled.cid)).rejects.toMatchObject({ status: 504 })
    expect((await client.id()).version).toBe('0.1.0')
  })

  it('a read that stalls midway ends the download early, and the client says so', async () => {
    const stalled: { cid?: string, afterFirstChunk: boolean } = { afterFirstChunk: true }
    const { client } = await start({ init: { contentTimeoutMs: 50 }, wrapContent: stalling(stalled) })
    stalled.cid = (await client.add((async function* () {
      yield Buffer.from('stalls after one byte')
    })())).cid
    const download = await client.cat(stalled.cid)
    const read = (async () => {
      for await (const _ of download.body) {}
    })()
    await expect(read).rejects.toThrow(`GET /v1/content/:cid: the connection dropped after 1 of 21 bytes`)
  })
})

describe('pins and gc', () => {
  it('pins with a kind and labels, lists by kind, unpins, and gc collects expired intermediates', async () => {
    const { client } = await start()
    const a = await client.add(
      (async function* () {
        yield Buffer.from('a')
      })(),
      { pin: 'none' }
    )
    const b = await client.add(
      (async function* () {
        yield Buffer.from('b')
      })(),
      { pin: 'none' }
    )

    expect(await client.pin(a.cid, { kind: 'final', labels: { job: 'j1' } })).toEqual({ cid: a.cid, kind: 'final', labels: { job: 'j1' } })
    expect(await client.pin(b.cid, { kind: 'intermediate', expiresAt: 1 })).toEqual({ cid: b.cid, kind: 'intermediate', expiresAt: 1 })
    expect((await client.pins({ kind: 'final' })).pins.map(p => p.cid)).toEqual([a.cid])
    expect((await client.pins()).pins).toHaveLength(2)

    expect(await client.gc()).toEqual({ expiredPins: 1, removedBlocks: 1, reclaimedBytes: expect.any(Number) })
    expect((await client.pins()).pins.map(p => p.cid)).toEqual([a.cid])

    expect(await client.unpin(a.cid)).toEqual({ cid: a.cid })
    await expect(client.unpin(a.cid)).rejects.toMatchObject({ name: 'NotPinnedError', status: 404 })
  })
})

/** The store's methods as own properties, so a spread keeps them bound. */
function bind (store: ContentStore): ContentStore {
  return {
    addBytes: store.addBytes.bind(store),
    addStream: store.addStream.bind(store),
    addFile: store.addFile.bind(store),
    cat: store.cat.bind(store),
    getFile: store.getFile.bind(store),
    stat: store.stat.bind(store),
    putJson: store.putJson.bind(store),
    getJson: store.getJson.bind(store),
    pin: store.pin.bind(store),
    unpin: store.unpin.bind(store),
    isPinned: store.isPinned.bind(store),
    pins: store.pins.bind(store),
    gc: store.gc.bind(store)
  }
}
