import { once } from 'node:events'
import { createServer, connect } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { coalesceWrites } from '../../../src/node/coalesced-writes.ts'
import type { Server, Socket } from 'node:net'

/** A loopback server that keeps what it receives, and a client socket connected to it. */
async function connectedPair (): Promise<{ server: Server, client: Socket, received: () => Buffer, receivedBytes: (bytes: number) => Promise<Buffer> }> {
  const chunks: Buffer[] = []
  let total = 0
  const waiters: Array<() => void> = []
  const server = createServer(socket => {
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      total += chunk.byteLength
      for (const wake of waiters.splice(0)) wake()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  const client = connect(address.port, '127.0.0.1')
  await once(client, 'connect')
  const receivedBytes = async (bytes: number): Promise<Buffer> => {
    while (total < bytes) await new Promise<void>(resolve => waiters.push(resolve))
    return Buffer.concat(chunks)
  }
  return { server, client, received: () => Buffer.concat(chunks), receivedBytes }
}

describe('coalesced socket writes', () => {
  const cleanups: Array<() => void> = []
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup()
  })

  it('sends the writes of one turn in one writev, in order', async () => {
    const { server, client, receivedBytes } = await connectedPair()
    cleanups.push(() => client.destroy(), () => server.close())
    expect(coalesceWrites(client)).toBe(true)
    expect(coalesceWrites(client)).toBe(true)
    // oxlint-disable-next-line typescript/no-explicit-any -- Node's internal write hooks, spied on
    const internals = client as any
    const writev = vi.spyOn(internals, '_writev')
    const write = vi.spyOn(internals, '_write')
    const parts = ['one', 'two', 'three', 'four', 'five'].map(s => Buffer.from(s))
    for (const part of parts) expect(client.write(part)).toBe(true)
    const all = Buffer.concat(parts)
    expect((await receivedBytes(all.byteLength)).equals(all)).toBe(true)
    expect(writev).toHaveBeenCalledTimes(1)
    expect(write).not.toHaveBeenCalled()
  })

  it('holds nothing past the turn: a lone write arrives without another to push it', async () => {
    const { server, client, receivedBytes } = await connectedPair()
    cleanups.push(() => client.destroy(), () => server.close())
    coalesceWrites(client)
    client.write(Buffer.from('alone'))
    expect((await receivedBytes(5)).toString()).toBe('alone')
    client.write(Buffer.from(' again'))
    expect((await receivedBytes(11)).toString()).toBe('alone again')
  })

  it('keeps backpressure: a full buffer says so, and drains', async () => {
    const { server, client, receivedBytes } = await connectedPair()
    cleanups.push(() => client.destroy(), () => server.close())
    coalesceWrites(client)
    const big = Buffer.alloc(client.writableHighWaterMark + 1, 7)
    expect(client.write(big)).toBe(false)
    await once(client, 'drain')
    expect((await receivedBytes(big.byteLength)).byteLength).toBe(big.byteLength)
  })

  it('ends cleanly while corked', async () => {
    const { server, client, receivedBytes } = await connectedPair()
    cleanups.push(() => server.close())
    coalesceWrites(client)
    client.write(Buffer.from('last words'))
    client.end()
    expect((await receivedBytes(10)).toString()).toBe('last words')
    await once(client, 'close')
  })
})
