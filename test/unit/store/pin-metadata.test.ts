import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { checkPinInfo, fromMetadata, mergePins, toMetadata } from '../../../src/store/pin-metadata.ts'

const cid = CID.parse('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')

describe('pin metadata', () => {
  it('round-trips kind, expiry and labels through Helia pin metadata', () => {
    const info = { cid, kind: 'intermediate' as const, expiresAt: 1000, labels: { job: 'j1', step: 'abc' } }
    expect(toMetadata(info)).toEqual({ kind: 'intermediate', expiresAt: 1000, 'label:job': 'j1', 'label:step': 'abc' })
    expect(fromMetadata(cid, toMetadata(info))).toEqual(info)
  })

  it('drops an expiry on final and user pins, and reads foreign pins as user pins', () => {
    expect(toMetadata({ kind: 'final', expiresAt: 5 })).toEqual({ kind: 'final' })
    expect(fromMetadata(cid, {})).toEqual({ cid, kind: 'user' })
  })

  it('merging: the stronger kind wins, intermediates keep the later expiry, labels merge', () => {
    const intermediate = { cid, kind: 'intermediate' as const, expiresAt: 100, labels: { a: '1' } }
    expect(mergePins(intermediate, { kind: 'final', labels: { b: '2' } })).toEqual({ cid, kind: 'final', labels: { a: '1', b: '2' } })
    expect(mergePins({ cid, kind: 'user' }, { kind: 'intermediate', expiresAt: 5 })).toEqual({ cid, kind: 'user' })
    expect(mergePins(intermediate, { kind: 'intermediate', expiresAt: 50 })).toMatchObject({ expiresAt: 100 })
    expect(mergePins(intermediate, { kind: 'intermediate', expiresAt: 500 })).toMatchObject({ expiresAt: 500 })
    expect(mergePins(intermediate, { kind: 'intermediate' })).not.toHaveProperty('expiresAt')
  })

  it('refuses unknown kinds and bad expiries, naming the field', () => {
    expect(() => checkPinInfo({ kind: 'forever' as never })).toThrow('pin kind must be user, final or intermediate, got "forever"')
    expect(() => checkPinInfo({ kind: 'intermediate', expiresAt: -1 })).toThrow('pin expiresAt must be milliseconds since the epoch, got -1')
  })
})
