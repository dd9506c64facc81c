import { createHash, randomBytes } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import { heliaLocalBlocks } from '../../../src/store/transfer/blocks.ts'
import { DagWalk } from '../../../src/store/transfer/dag-walk.ts'
import { expectFrame } from '../../../src/store/transfer/frame-parser.ts'
import { FrameStream } from '../../../src/store/transfer/frame-stream.ts'
import { verifyBlock } from '../../../src/store/transfer/verify.ts'
import { blockFrameHead, controlFrame, decodeControl, FrameType, frameHeader, requestCodec, TRANSFER_PROTOCOL } from '../../../src/store/transfer/wire.ts'
import type { Logger } from '../../../src/log.ts'
import type { ArtdagNode } from '../../../src/node/create-node.ts'
import type { Stream } from '@libp2p/interface'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'

export const MiB = 1024 * 1024

/** Random content added on `node` (streamed in odd-sized pieces), with its SHA-256. */
export async function addRandom (node: ArtdagNode, size: number): Promise<{ cid: CID, sha256: string, bytes: Buffer }> {
  const bytes = randomBytes(size)
  const cid = await node.content.addStream((async function* () {
    for (let at = 0; at < size; at += 700_001) yield bytes.subarray(at, at + 700_001)
  })())
  return { cid, sha256: sha256Hex(bytes), bytes }
}

export function sha256Hex (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Every block of the DAG is in `node`'s own store and hashes to its CID (no bad block was kept). */
export async function assertLocalDagIntact (node: ArtdagNode, root: CID): Promise<number> {
  const blocks = heliaLocalBlocks(node.helia.blockstore)
  const walk = new DagWalk(root, { mode: 'dag' })
  while (!walk.done) {
    const cid = walk.next!
    const bytes = await blocks.getLocal(cid, {})
    verifyBlock(cid, bytes, 'local store')
    walk.accept(bytes)
  }
  return walk.blocks
}

/** Files left in `dir` whose names say they are partial downloads. */
export async function partialFiles (dir: string): Promise<string[]> {
  return (await readdir(dir)).filter(name => name.endsWith('.part') || name.endsWith('.partial'))
}

/** Open streams of the transfer protocol on `node`, in any direction. */
export function transferStreams (node: ArtdagNode): Stream[] {
  return node.libp2p.getConnections().flatMap(conn => conn.streams).filter(stream => stream.protocol === TRANSFER_PROTOCOL)
}

export interface LogEntry {
  level: string
  component?: string | undefined
  fields: Record<string, unknown>
  msg?: string | undefined
}

/** A logger that keeps what it is given, to assert on warnings. */
export function capturingLogger (entries: LogEntry[] = [], component?: string): Logger & { entries: LogEntry[] } {
  const at = (level: string) => (obj: Record<string, unknown> | string, msg?: string): void => {
    entries.push(typeof obj === 'string' ? { level, component, fields: {}, msg: obj } : { level, component, fields: obj, msg })
  }
  return {
    entries,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    forComponent: (name: string) => capturingLogger(entries, name)
  }
}

/** What a hostile holder does after it has said HAVE and been told START. */
export type Hostility =
  | 'corrupt-block' // the right CID, one byte of the block flipped
  | 'foreign-block' // a valid block that is not part of the DAG
  | 'oversized-frame' // announces a 100 MiB frame
  | 'garbage' // a frame of a type that does not exist, then random bytes, instead of an answer
  | 'early-close' // two blocks, then ends the stream
  | 'stall' // the root block, then silence

/**
 * Replaces `node`'s transfer handler with one that answers like a holder and
 * then misbehaves. `sent` counts the blocks it sent; `closed` settles when the
 * requester's side of the stream is gone.
 */
export async function makeHostile (node: ArtdagNode, hostility: Hostility | { slowAfter: number, reached: () => void }): Promise<{ closed: Promise<void> }> {
  const closed = Promise.withResolvers<void>()
  const blocks = heliaLocalBlocks(node.helia.blockstore)
  await node.libp2p.unhandle(TRANSFER_PROTOCOL)
  await node.libp2p.handle(TRANSFER_PROTOCOL, async (stream, connection) => {
    stream.addEventListener('close', () => {
      closed.resolve()
    })
    const frames = new FrameStream(stream, { peer: connection.remotePeer.toString(), maxFrameBytes: 4096, highWaterBytes: 65_536 })
    const read = async (): Promise<Uint8Array> => expectFrame(await frames.read({ timeoutMs: 5000, waitingFor: 'test' }), [FrameType.request, FrameType.start], 'requester', 'in a test').payload
    try {
      const request = decodeControl(requestCodec, await read(), 'requester', 'request')
      if (hostility === 'garbage') {
        stream.send(controlFrame(0x42 as FrameType, randomBytes(40)))
        stream.send(randomBytes(3000))
        await closed.promise
        return
      }
      await frames.write([controlFrame(FrameType.have)], { timeoutMs: 5000 })
      await read() // START
      const walk = new DagWalk(CID.parse(request.cid), { mode: request.mode, offset: request.offset, length: request.length })
      for (let sent = 0; !walk.done; sent++) {
        const cid = walk.next!
        let bytes = await blocks.getLocal(cid, {})
        walk.accept(bytes)
        if (typeof hostility === 'object' && sent === hostility.slowAfter) {
          hostility.reached()
          await closed.promise
          return
        }
        if (hostility === 'oversized-frame' && sent === 1) {
          stream.send(frameHeader(FrameType.block, 100 * MiB))
          stream.send(randomBytes(65_536))
          await closed.promise
          return
        }
        if (hostility === 'early-close' && sent === 2) {
          await stream.close()
          return
        }
        if (hostility === 'stall' && sent === 1) {
          await closed.promise
          return
        }
        if (hostility === 'corrupt-block' && sent === 2) {
          bytes = Uint8Array.from(bytes)
          bytes[bytes.byteLength >> 1]! ^= 0xff
        }
        if (hostility === 'foreign-block' && sent === 2) {
          const foreign = randomBytes(bytes.byteLength)
          const foreignCid = CID.createV1(raw.code, await sha256.digest(foreign))
          await frames.write([blockFrameHead(foreignCid, foreign.byteLength), foreign], { timeoutMs: 5000 })
          continue
        }
        await frames.write([blockFrameHead(cid, bytes.byteLength), bytes], { timeoutMs: 5000 })
      }
      await stream.close()
    } catch (err: unknown) {
      stream.abort(err as Error)
    } finally {
      frames.release()
    }
  })
  return { closed: closed.promise }
}
