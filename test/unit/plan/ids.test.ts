import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { computeCacheId } from '../../../src/plan/ids.ts'
import { cidOf } from './helpers.ts'

const ascii = (s: string): number[] => [...Buffer.from(s, 'ascii')]
const text = (s: string): number[] => {
  if (s.length >= 24) throw new Error('short strings only')
  return [0x60 + s.length, ...ascii(s)]
}

describe('cache_id, as docs/RECIPES.md defines it', () => {
  it('is SHA3-256 over the DAG-CBOR map { v, type, config, inputs, executor }, reproducible by hand', async () => {
    const cid = CID.parse(await cidOf('input'))
    const upstream = 'ab'.repeat(32)
    // DAG-CBOR written out byte by byte: map keys sorted by length, then bytewise;
    // floats as 64-bit; a CID as tag 42 over its bytes with a leading 0x00.
    const linkBytes = [0x00, ...cid.bytes]
    const bytes = Uint8Array.from([
      0xa5,
      ...text('v'),
      0x01,
      ...text('type'),
      ...text('segment'),
      ...text('config'),
      0xa1,
      ...text('start'),
      0xfb,
      0x3f,
      0xf8,
      0,
      0,
      0,
      0,
      0,
      0,
      ...text('inputs'),
      0x82,
      0xd8,
      0x2a,
      0x58,
      linkBytes.length,
      ...linkBytes,
      0x78,
      upstream.length,
      ...ascii(upstream),
      ...text('executor'),
      ...text('1')
    ])
    const expected = createHash('sha3-256').update(bytes).digest('hex')
    expect(computeCacheId({ type: 'segment', config: { start: 1.5 }, inputs: [cid, upstream], executor: '1' })).toBe(expected)
  })

  it('does not depend on the key order of the config', () => {
    const a = computeCacheId({ type: 't', config: { b: 1, a: { y: 2, x: [1, 2] } }, inputs: [], executor: '1' })
    const b = computeCacheId({ type: 't', config: { a: { x: [1, 2], y: 2 }, b: 1 }, inputs: [], executor: '1' })
    expect(a).toBe(b)
    expect(a).toMatch(/^[0-9a-f]{64}$/)
  })

  it('tells an input CID from an upstream cache_id, and integers from strings', async () => {
    const cid = CID.parse(await cidOf('x'))
    const asLink = computeCacheId({ type: 't', config: {}, inputs: [cid], executor: '1' })
    const asString = computeCacheId({ type: 't', config: {}, inputs: [cid.toString()], executor: '1' })
    expect(asLink).not.toBe(asString)
    expect(computeCacheId({ type: 't', config: { n: 1 }, inputs: [], executor: '1' }))
      .not.toBe(computeCacheId({ type: 't', config: { n: '1' }, inputs: [], executor: '1' }))
  })
})
