import { once } from 'node:events'
import { connect, createServer } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from './helpers/daemon.ts'
import { WanLink } from './helpers/wan/controller.ts'
import { loopbackNet } from './helpers/wan/sockets.ts'
import type { Server, Socket } from 'node:net'

/**
 * The WAN link itself (helpers/wan/), with plain TCP sockets: node `a` dials
 * node `b` through the link. Times are checked as lower bounds only (a loaded
 * machine makes everything slower, never faster); waits are on events, bounded.
 */

const net = loopbackNet()
const A = net.at(2)
const B = net.at(3)
let link: WanLink
let server: Server
/** What b's server accepted, newest last. */
const accepted: Socket[] = []
const everAccepted = new Set<Socket>()
const opened: Socket[] = []
let bPort: number

beforeAll(async () => {
  link = await WanLink.start({ host: net.at(1) })
  server = createServer({ allowHalfOpen: true, noDelay: true }, socket => {
    accepted.push(socket)
    everAccepted.add(socket)
    socket.on('error', () => {})
  })
  await new Promise<void>(resolve => server.listen(0, B, resolve))
  bPort = (await link.addNode({ name: 'b', ip: B, target: { host: B, port: (server.address() as { port: number }).port } })).port
  // a's own listener is not used: a only dials.
  await link.addNode({ name: 'a', ip: A, target: { host: A, port: 9 } })
})

afterEach(async () => {
  await link.heal()
  await link.setShape({})
  for (const s of [...opened.splice(0), ...accepted.splice(0)]) s.destroy()
})

afterAll(async () => {
  await link?.stop()
  // A connection the link made after its test ended is b's too.
  for (const socket of everAccepted) socket.destroy()
  await new Promise(resolve => server?.close(resolve))
})

/** a dials b through the link, and b's server has the other end. */
async function dial (): Promise<{ client: Socket, far: Socket }> {
  const before = accepted.length
  const client = connect({ host: link.host, port: bPort, localAddress: A, noDelay: true })
  client.on('error', () => {})
  opened.push(client)
  await once(client, 'connect')
  const far = await eventually(async () => accepted[before], { what: 'b to accept the connection', timeoutMs: 10_000, intervalMs: 5 })
  return { client, far }
}

/** Resolves with everything `socket` has received once it holds `bytes` bytes. */
function receive (socket: Socket, bytes: number, timeoutMs = 20_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let length = 0
    const timer = setTimeout(() => {
      reject(new Error(`received ${length} of ${bytes} bytes within ${timeoutMs} ms`))
    }, timeoutMs)
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk)
      length += chunk.length
      if (length >= bytes) {
        clearTimeout(timer)
        socket.off('data', onData)
        resolve(Buffer.concat(chunks))
      }
    }
    socket.on('data', onData)
  })
}

async function roundTrip (client: Socket, far: Socket): Promise<number> {
  const echoed = receive(client, 4)
  const arrived = receive(far, 4)
  const start = performance.now()
  client.write('ping')
  far.write(await arrived)
  await echoed
  return performance.now() - start
}

describe('the WAN link', { timeout: 60_000 }, () => {
  it('delays each direction by the one-way delay: a round trip takes at least twice it', async () => {
    await link.setShape({ oneWayMs: 40 })
    const { client, far } = await dial()
    for (let i = 0; i < 3; i++) expect(await roundTrip(client, far)).toBeGreaterThanOrEqual(80)
    // With jitter each chunk's delay is 40 ± 15 ms: at least 25 ms each way.
    await link.setShape({ oneWayMs: 40, jitterMs: 15 })
    for (let i = 0; i < 5; i++) expect(await roundTrip(client, far)).toBeGreaterThanOrEqual(50)
    // The link knows who dialled whom, and counted every byte.
    const pair = (await link.stats()).pairs.find(p => p.dialler === 'a' && p.target === 'b')
    expect(pair).toMatchObject({ connections: 1, open: 1, bytesFromDialler: 32, bytesFromTarget: 32 })
  })

  it('keeps the order of a stream under jitter', async () => {
    await link.setShape({ oneWayMs: 10, jitterMs: 10 })
    const { client, far } = await dial()
    const count = 2000
    const expected = Buffer.concat(Array.from({ length: count }, (_, i) => Buffer.from(`${i};`)))
    const got = receive(far, expected.length)
    for (let i = 0; i < count; i++) {
      client.write(`${i};`)
      // Separate chunks over time, so that each gets its own delay.
      if (i % 50 === 0) await new Promise(resolve => setImmediate(resolve))
    }
    expect((await got).equals(expected)).toBe(true)
  })

  it('limits bandwidth: 200 kB at 1 MB/s take at least 200 ms', async () => {
    await link.setShape({ bytesPerSecond: 1_000_000 })
    const { client, far } = await dial()
    const got = receive(far, 200_000)
    const start = performance.now()
    client.write(Buffer.alloc(200_000, 7))
    await got
    expect(performance.now() - start).toBeGreaterThanOrEqual(200)
  })

  it('holds every byte in both directions during a partition, and delivers them in order at the heal', async () => {
    await link.setShape({ oneWayMs: 5 })
    const { client, far } = await dial()
    await roundTrip(client, far)
    await link.partition(['a'])
    let early = 0
    const countEarly = (chunk: Buffer): void => {
      early += chunk.length
    }
    far.on('data', countEarly)
    client.on('data', countEarly)
    client.write('one,')
    client.write('two,')
    client.write('three')
    far.write('back')
    // The link holds them: all 17 bytes wait in it, and none arrived.
    await eventually(async () => (await link.stats()).pairs.find(p => p.dialler === 'a' && p.target === 'b')?.queuedBytes === 17, { what: 'the link to hold 17 bytes', intervalMs: 20 })
    expect(early).toBe(0)
    far.off('data', countEarly)
    client.off('data', countEarly)
    const there = receive(far, 13)
    const back = receive(client, 4)
    await link.heal()
    expect((await there).toString()).toBe('one,two,three')
    expect((await back).toString()).toBe('back')
  })

  it('holds one direction only in a one-way partition', async () => {
    const { client, far } = await dial()
    await link.partition(['a'], 'out')
    const back = receive(client, 4)
    let early = 0
    far.on('data', (chunk: Buffer) => {
      early += chunk.length
    })
    client.write('sent')
    far.write('back')
    expect((await back).toString()).toBe('back')
    await eventually(async () => (await link.stats()).pairs.find(p => p.dialler === 'a' && p.target === 'b')?.queuedBytes === 4, { what: 'the link to hold 4 bytes', intervalMs: 20 })
    expect(early).toBe(0)
    const there = receive(far, 4)
    await link.heal()
    expect((await there).toString()).toBe('sent')
  })

  it('holds a connection dialled during a partition until the heal: the target sees it only then', async () => {
    await link.partition(['a'])
    const before = accepted.length
    const client = connect({ host: link.host, port: bPort, localAddress: A, noDelay: true })
    opened.push(client)
    await once(client, 'connect')
    client.write('hello')
    await eventually(async () => (await link.stats()).pairs.find(p => p.dialler === 'a' && p.target === 'b')?.queuedBytes === 5, { what: 'the link to hold the first bytes', intervalMs: 20 })
    expect(accepted.length).toBe(before)
    await link.heal()
    const far = await eventually(async () => accepted[before], { what: 'b to accept the connection', timeoutMs: 10_000, intervalMs: 5 })
    expect((await receive(far, 5)).toString()).toBe('hello')
  })

  it('cuts: every connection of a node is reset at both ends', async () => {
    const { client, far } = await dial()
    // `close` says whether the socket ended with an error (here, the reset).
    const closed = (socket: Socket): Promise<boolean> => new Promise(resolve => socket.once('close', resolve))
    const ends = Promise.all([closed(client), closed(far)])
    expect(await link.cut('a')).toBeGreaterThanOrEqual(1)
    expect(await ends).toEqual([true, true])
  })

  it('names a dialler from an address no node has "outside"', async () => {
    const client = connect({ host: link.host, port: bPort, localAddress: net.at(200) })
    opened.push(client)
    await once(client, 'connect')
    await eventually(async () => (await link.stats()).pairs.some(p => p.dialler === 'outside' && p.target === 'b' && p.connections >= 1), { what: 'the link to count it', intervalMs: 20 })
  })
})
