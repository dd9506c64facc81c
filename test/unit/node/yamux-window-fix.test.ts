import { multiaddrConnectionPair } from '@libp2p/utils'
import { yamux } from '@libp2p/yamux'
import { StreamState } from '@libp2p/yamux/stream'
import { afterEach, describe, expect, it } from 'vitest'
import { applyYamuxWindowFix, DEFERRED_WINDOW_BYTES, windowUpdateCanWait } from '../../../src/node/yamux-window-fix.ts'
import type { MultiaddrConnection, Stream, StreamMuxer } from '@libp2p/interface'

/** Two yamux muxers over an in-memory connection pair, counting the bytes the inbound side sends. */
function muxerPair (): { client: StreamMuxer, server: StreamMuxer, serverBytes: () => number } {
  const [outbound, inbound] = multiaddrConnectionPair()
  let bytes = 0
  const send = inbound.send.bind(inbound)
  inbound.send = ((data: Parameters<MultiaddrConnection['send']>[0]) => {
    bytes += data.byteLength
    return send(data)
  }) as MultiaddrConnection['send']
  const client = yamux()().createStreamMuxer(outbound)
  const server = yamux()().createStreamMuxer(inbound)
  return { client, server, serverBytes: () => bytes }
}

/** yamux's frame header: a frame without data (a window update, an ACK, a FIN) is this many bytes. */
const HEADER_BYTES = 12

/** Resolves with the next inbound stream's bytes once the sender closes it. */
async function receiveAll (server: StreamMuxer): Promise<number> {
  const stream = await new Promise<Stream>(resolve => {
    server.addEventListener('stream', event => {
      resolve(event.detail)
    }, { once: true })
  })
  let bytes = 0
  for await (const chunk of stream) bytes += chunk.byteLength
  return bytes
}

/** Sends `count` chunks, each in a turn of its own (as messages come), waiting for 'drain' when told to. */
async function sendAll (stream: Stream, chunk: Uint8Array, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (!stream.send(chunk)) await new Promise(resolve => stream.addEventListener('drain', resolve, { once: true }))
    await new Promise(resolve => setImmediate(resolve))
  }
  await stream.close()
}

describe('yamux window updates (half a window)', () => {
  const muxers: StreamMuxer[] = []
  afterEach(async () => {
    await Promise.all(muxers.splice(0).map(async m => await m.close()))
  })

  it('patches yamux streams once', () => {
    expect(applyYamuxWindowFix()).toBe(true)
    expect(applyYamuxWindowFix()).toBe(true)
  })

  it('defers an update only on an established stream of which less than 16 KiB is used', () => {
    const window = 256 * 1024
    expect(windowUpdateCanWait({ state: StreamState.Established, recvWindow: window, recvWindowCapacity: window - 1000 })).toBe(true)
    expect(windowUpdateCanWait({ state: StreamState.Established, recvWindow: window, recvWindowCapacity: window - DEFERRED_WINDOW_BYTES + 1 })).toBe(true)
    // A bulk frame is answered at once, as yamux does (its window growth depends on it).
    expect(windowUpdateCanWait({ state: StreamState.Established, recvWindow: window, recvWindowCapacity: window - DEFERRED_WINDOW_BYTES })).toBe(false)
    // A window smaller than twice the deferral: at most half of it.
    expect(windowUpdateCanWait({ state: StreamState.Established, recvWindow: 20_000, recvWindowCapacity: 10_001 })).toBe(true)
    expect(windowUpdateCanWait({ state: StreamState.Established, recvWindow: 20_000, recvWindowCapacity: 10_000 })).toBe(false)
    // Opening (SYN, ACK) and paused streams keep yamux's own behaviour.
    for (const state of [StreamState.Init, StreamState.SYNReceived, StreamState.Paused]) {
      expect(windowUpdateCanWait({ state, recvWindow: window, recvWindowCapacity: window - 1000 })).toBe(false)
    }
  })

  it('answers a burst of small messages without a window update per message', async () => {
    applyYamuxWindowFix()
    const { client, server, serverBytes } = muxerPair()
    muxers.push(client, server)
    const received = receiveAll(server)
    const stream = await client.createStream()
    await sendAll(stream, new Uint8Array(200), 100)
    expect(await received).toBe(200 * 100)
    // 20,000 bytes: an update per 16 KiB, the server's ACK and its FIN, not an update for each of
    // the 100 frames (yamux alone: 102 frames).
    expect(serverBytes() / HEADER_BYTES).toBeLessThan(10)
  })

  it('still grants window: a transfer of many windows completes', async () => {
    applyYamuxWindowFix()
    const { client, server } = muxerPair()
    muxers.push(client, server)
    const received = receiveAll(server)
    const stream = await client.createStream()
    // 8 MiB in 16 KiB frames: 32 of yamux's initial 256 KiB windows.
    await sendAll(stream, new Uint8Array(16 * 1024), 512)
    expect(await received).toBe(8 * 1024 * 1024)
  }, 30_000)
})
