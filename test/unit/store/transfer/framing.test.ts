import { randomBytes } from 'node:crypto'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { FrameParser, expectFrame } from '../../../../src/store/transfer/frame-parser.ts'
import { blockFrameHead, controlFrame, decodeBlockPayload, decodeControl, endCodec, FrameType, frameHeader, maxFrameBytes, requestCodec, varintLength, writeVarint } from '../../../../src/store/transfer/wire.ts'
import type { Frame } from '../../../../src/store/transfer/frame-parser.ts'

const PEER = '12D3KooWtest'

function drain (parser: FrameParser): Frame[] {
  const frames: Frame[] = []
  for (let frame = parser.next(); frame != null; frame = parser.next()) frames.push({ type: frame.type, payload: Uint8Array.from(frame.payload) })
  return frames
}

async function rawBlock (size: number): Promise<{ cid: CID, bytes: Uint8Array }> {
  const bytes = randomBytes(size)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

describe('transfer framing', () => {
  it('varints round-trip at every length boundary', () => {
    for (const value of [1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 268_435_455]) {
      const out = new Uint8Array(varintLength(value))
      expect(writeVarint(value, out, 0)).toBe(out.byteLength)
      const parser = new FrameParser(Number.MAX_SAFE_INTEGER, PEER)
      parser.push(out)
      parser.push(new Uint8Array(value)) // the frame the length announces
      expect(parser.next()?.payload.byteLength).toBe(value - 1)
    }
  })

  it('frames come out whole and in order however the bytes are cut', async () => {
    const block = await rawBlock(300_000)
    const request = requestCodec.encode({ v: 1, cid: block.cid.toString(), mode: 'file', offset: 5, length: 10 })
    const wire = Buffer.concat([
      controlFrame(FrameType.request, request),
      controlFrame(FrameType.have),
      blockFrameHead(block.cid, block.bytes.byteLength),
      block.bytes,
      controlFrame(FrameType.end, endCodec.encode({ blocks: 1, bytes: 300_000 }))
    ])
    for (const cut of [1, 2, 3, 7, 1000, 65_519, wire.byteLength]) {
      const parser = new FrameParser(maxFrameBytes(2 * 1024 * 1024), PEER)
      const frames: Frame[] = []
      for (let at = 0; at < wire.byteLength; at += cut) {
        parser.push(wire.subarray(at, at + cut))
        frames.push(...drain(parser))
      }
      expect(frames.map(f => f.type), `cut ${cut}`).toEqual([FrameType.request, FrameType.have, FrameType.block, FrameType.end])
      expect(decodeControl(requestCodec, frames[0]!.payload, PEER, 'request')).toEqual({ v: 1, cid: block.cid.toString(), mode: 'file', offset: 5, length: 10 })
      const { cid, bytes } = decodeBlockPayload(frames[2]!.payload, PEER)
      expect(cid.equals(block.cid)).toBe(true)
      expect(Buffer.compare(bytes, block.bytes)).toBe(0)
      expect(parser.bufferedBytes).toBe(0)
      expect(parser.midFrame).toBe(false)
    }
  })

  it('a frame whole in one chunk is a view of it, not a copy', () => {
    const chunk = controlFrame(FrameType.block, new Uint8Array(1000).fill(9))
    const parser = new FrameParser(4096, PEER)
    parser.push(chunk)
    expect(parser.next()!.payload.buffer).toBe(chunk.buffer)
  })

  it('an announced length over the limit is refused before anything is allocated', () => {
    const parser = new FrameParser(maxFrameBytes(2 * 1024 * 1024), PEER)
    parser.push(frameHeader(FrameType.block, 100 * 1024 * 1024))
    expect(() => parser.next()).toThrow(expect.objectContaining({ name: 'TransferProtocolError', message: `peer ${PEER} announced a 104857601 byte frame, over the 2097281 byte limit` }))
  })

  it('empty frames, endless varints and streams cut mid-frame are protocol errors', () => {
    const empty = new FrameParser(4096, PEER)
    empty.push(Uint8Array.of(0))
    expect(() => empty.next()).toThrow(`peer ${PEER} sent an empty frame`)

    const endless = new FrameParser(Number.MAX_SAFE_INTEGER, PEER)
    endless.push(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x80))
    expect(() => endless.next()).toThrow(`peer ${PEER} sent a frame length that does not end within 5 bytes`)

    const cut = new FrameParser(4096, PEER)
    cut.push(controlFrame(FrameType.error, new Uint8Array(100)).subarray(0, 50))
    expect(cut.next()).toBeUndefined()
    expect(cut.midFrame).toBe(true)
  })

  it('bad payloads and unexpected frames name the peer and what came', () => {
    expect(() => decodeBlockPayload(Uint8Array.of(0xff, 0xff, 0xff), PEER)).toThrow(
      expect.objectContaining({ name: 'TransferProtocolError', message: expect.stringContaining(`peer ${PEER} sent a block frame that does not start with a CID`) })
    )
    expect(() => decodeControl(requestCodec, new TextEncoder().encode('{"v":1,"cid":"x","mode":"all"}'), PEER, 'request')).toThrow(
      expect.objectContaining({ name: 'TransferProtocolError', message: expect.stringContaining(`peer ${PEER} sent a bad request frame`) })
    )
    expect(() => expectFrame({ type: 0x42, payload: new Uint8Array() }, [FrameType.have, FrameType.notHere], PEER, 'in answer')).toThrow(`peer ${PEER} sent a 0x42 frame in answer, expected have or notHere`)
    expect(() => expectFrame(undefined, [FrameType.end], PEER, 'after the last block')).toThrow(`peer ${PEER} closed the stream after the last block`)
  })
})
