import { describe, expect, it } from 'vitest'
import { BodyTooLargeError } from '../../../src/api/errors.ts'
import { limitBytes, readableAfterFirstChunk, withIdleTimeout } from '../../../src/api/server/streams.ts'
import { TimeoutError } from '../../../src/errors.ts'

async function* chunks (...sizes: number[]): AsyncGenerator<Uint8Array> {
  for (const size of sizes) yield new Uint8Array(size)
}

async function collect<T> (source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of source) out.push(item)
  return out
}

describe('limitBytes', () => {
  it('passes chunks through up to the limit, counting them', async () => {
    const counter = { bytes: 0 }
    expect((await collect(limitBytes(chunks(3, 4), 7, counter))).map(c => c.byteLength)).toEqual([3, 4])
    expect(counter.bytes).toBe(7)
  })

  it('fails as soon as the limit is passed, before reading further', async () => {
    let pulled = 0
    const source = (async function* () {
      for (let i = 0; i < 100; i++) {
        pulled++
        yield new Uint8Array(4)
      }
    })()
    await expect(collect(limitBytes(source, 10, { bytes: 0 }))).rejects.toBeInstanceOf(BodyTooLargeError)
    expect(pulled).toBe(3)
  })
})

describe('withIdleTimeout', () => {
  it('fails a source that stops producing, and aborts it through onTimeout', async () => {
    const aborted = new AbortController()
    const stuck = (async function* () {
      yield new Uint8Array(1)
      await new Promise((_resolve, reject) => {
        aborted.signal.addEventListener('abort', () => {
          reject(aborted.signal.reason)
        })
      })
    })()
    const seen: number[] = []
    const run = (async () => {
      for await (
        const chunk of withIdleTimeout(stuck, 20, 'content bafy', err => {
          aborted.abort(err)
        })
      ) seen.push(chunk.byteLength)
    })()
    await expect(run).rejects.toThrow(TimeoutError)
    await expect(run).rejects.toThrow('no data for content bafy within 20 ms')
    expect(seen).toEqual([1])
    expect(aborted.signal.aborted).toBe(true)
  })

  it('passes a healthy source through and closes it when the reader stops early', async () => {
    let closed = false
    const source = (async function* () {
      try {
        for (let i = 0;; i++) yield i
      } finally {
        closed = true
      }
    })()
    for await (const n of withIdleTimeout(source, 1000, 'x', () => {})) if (n === 2) break
    expect(closed).toBe(true)
  })
})

describe('readableAfterFirstChunk', () => {
  it('rejects before streaming when the first read fails', async () => {
    // oxlint-disable-next-line require-yield -- a source whose first read fails, before it yields anything
    const failing = (async function* (): AsyncGenerator<Uint8Array> {
      throw new Error('no such block')
    })()
    await expect(readableAfterFirstChunk(failing)).rejects.toThrow('no such block')
  })

  it('streams the first chunk and the rest', async () => {
    const readable = await readableAfterFirstChunk(chunks(1, 2, 3))
    const sizes = (await collect(readable) as Buffer[]).map(c => c.byteLength)
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(6)
  })
})
