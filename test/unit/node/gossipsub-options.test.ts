import { describe, expect, it } from 'vitest'
import { fastMessageId, IDONTWANT_MIN_BYTES } from '../../../src/node/gossipsub.ts'
import { HEARTBEAT_MAX_BYTES } from '../../../src/protocol/messages/heartbeat.ts'

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

const MESSAGE = {
  from: bytes(0, 36, 8, 1),
  seqno: bytes(1, 2, 3, 4, 5, 6, 7, 8),
  data: new TextEncoder().encode('{"type":"heartbeat"}'),
  topic: 'artdag/v1/nodes/heartbeat',
  signature: bytes(9, 9, 9)
}

function withoutSignature (msg: typeof MESSAGE): Omit<typeof MESSAGE, 'signature'> {
  const { signature: _signature, ...rest } = msg
  return rest
}

describe("gossipsub's duplicate check before the signature (fastMessageId)", () => {
  it('gives a copy equal byte for byte the same id', () => {
    expect(fastMessageId({ ...MESSAGE, data: MESSAGE.data.slice() })).toBe(fastMessageId(MESSAGE))
  })

  it('gives a copy that differs in any field another id, so that it is checked in full (a forged signature too)', () => {
    const id = fastMessageId(MESSAGE)
    const variants = [
      { ...MESSAGE, from: bytes(0, 36, 8, 2) },
      { ...MESSAGE, seqno: bytes(1, 2, 3, 4, 5, 6, 7, 9) },
      { ...MESSAGE, data: new TextEncoder().encode('{"type":"heartbeaT"}') },
      { ...MESSAGE, topic: 'artdag/v1/jobs/submit' },
      { ...MESSAGE, signature: bytes(9, 9, 8) },
      withoutSignature(MESSAGE),
      { ...MESSAGE, key: bytes(1) },
      { ...MESSAGE, key: bytes() }
    ]
    const ids = variants.map(fastMessageId)
    expect(ids).not.toContain(id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('does not mistake moved bytes between fields for the same message', () => {
    const a = { ...MESSAGE, from: bytes(1, 2), seqno: bytes(3) }
    const b = { ...MESSAGE, from: bytes(1), seqno: bytes(2, 3) }
    expect(fastMessageId(a)).not.toBe(fastMessageId(b))
  })
})

describe('IDONTWANT', () => {
  it('is sent for large messages only: not for heartbeats of a small cluster', () => {
    expect(IDONTWANT_MIN_BYTES).toBeGreaterThan(4096)
    expect(IDONTWANT_MIN_BYTES).toBeLessThan(HEARTBEAT_MAX_BYTES)
  })
})
