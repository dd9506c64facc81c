import { execFile, spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PEER_ID, startHarness } from './fixtures.ts'
import type { Harness } from './fixtures.ts'
import type { ApiEvent } from '../../../src/api/schemas.ts'

/**
 * The CLI as a user runs it (`node bin/artdag.js … --home H`), against a real
 * status socket in a temp home with the real content store behind it.
 */

const BIN = fileURLToPath(new URL('../../../bin/artdag.js', import.meta.url))
let harness: Harness
let work: string

interface Result {
  code: number
  stdout: Buffer
  stderr: string
}

function artdag (...args: string[]): Promise<Result> {
  return new Promise(resolve => {
    execFile(process.execPath, [BIN, ...args, '--home', harness.home], { timeout: 20_000, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : (err as { code?: number }).code ?? -1, stdout, stderr: stderr.toString('utf8') })
    })
  })
}

const text = (r: Result): string => r.stdout.toString('utf8')
// oxlint-disable-next-line typescript/no-explicit-any -- JSON of any shape, which the assertions check
const json = (r: Result): any => JSON.parse(text(r))

beforeAll(async () => {
  harness = await startHarness()
  work = join(harness.home, '..')
})

afterAll(async () => {
  await harness.close()
})

describe('artdag against a running daemon', { timeout: 60_000 }, () => {
  it('id, status and peers print text, and JSON that parses', async () => {
    const id = await artdag('id')
    expect(id.code).toBe(0)
    expect(text(id)).toMatch(new RegExp(`^peer +${PEER_ID}$`, 'm'))
    expect(json(await artdag('id', '--json'))).toEqual(await harness.client.id())

    const status = await artdag('status', '--json')
    expect(status.code).toBe(0)
    expect(json(status)).toMatchObject({ peer: PEER_ID, home: harness.home, socket: harness.socketPath, uptimeMs: 60_000 })
    expect(text(await artdag('status'))).toMatch(/^uptime +1m$/m)

    expect(text(await artdag('peers'))).toMatch(new RegExp(`^${PEER_ID} \\(self\\) +alive`, 'm'))
    expect(json(await artdag('peers', '--json')).peers[0].peer).toBe(PEER_ID)
  })

  it('add prints the CID; cat streams it back; get writes the file', async () => {
    const file = join(work, 'clip.bin')
    const bytes = Buffer.alloc(2 * 1024 * 1024 + 17)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) & 0xff
    await writeFile(file, bytes)

    const added = await artdag('add', file)
    expect(added.code).toBe(0)
    const cid = text(added).trim()
    expect(text(added)).toBe(`${cid}\n`)
    expect(json(await artdag('add', file, '--json'))).toEqual({ cid, size: bytes.length, pinned: true })

    const cat = await artdag('cat', cid)
    expect(cat.code).toBe(0)
    expect(cat.stdout.equals(bytes)).toBe(true)
    expect((await artdag('cat', cid, '--offset', '10', '--length', '5')).stdout).toEqual(bytes.subarray(10, 15))

    const out = join(work, 'copy.bin')
    const got = await artdag('get', cid, '-o', out, '--json')
    expect(json(got)).toEqual({ cid, size: bytes.length, path: out })
    expect((await readFile(out)).equals(bytes)).toBe(true)
  })

  it('pin add, ls and rm, and gc', async () => {
    const cid = (await harness.client.add(
      (async function* () {
        yield Buffer.from('pin me')
      })(),
      { pin: 'none' }
    )).cid
    const pinned = await artdag('pin', 'add', cid, '--kind', 'final', '--label', 'job=j1', '--json')
    expect(json(pinned)).toEqual({ cid, kind: 'final', labels: { job: 'j1' } })
    expect(text(await artdag('pin', 'ls', '--kind', 'final'))).toMatch(new RegExp(`^${cid} +final +- +job=j1$`, 'm'))
    expect(json(await artdag('pin', 'rm', cid, '--json'))).toEqual({ cid })
    expect(json(await artdag('gc', '--json'))).toMatchObject({ expiredPins: 0 })
  })

  it('failures exit by kind with one line on stderr', async () => {
    expect(await artdag('add', join(work, 'absent.bin'))).toMatchObject({ code: 2, stderr: `no such file: ${join(work, 'absent.bin')}\n` })
    expect(await artdag('cat', 'not-a-cid')).toMatchObject({ code: 2, stderr: 'not a CID: "not-a-cid"\n' })
    const missing = await artdag('pin', 'rm', 'bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq')
    expect(missing).toMatchObject({ code: 3, stderr: 'bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq is not pinned\n' })
    expect((await artdag('pin', 'add', 'bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq', '--kind', 'intermediate')).code).toBe(2)
  })

  it('events follows the stream as NDJSON until SIGINT, then exits 0', async () => {
    const child = spawn(process.execPath, [BIN, 'events', '--json', '--type', 'step', '--home', harness.home], { stdio: ['ignore', 'pipe', 'pipe'] })
    const exited = new Promise<number | null>(resolve => child.on('close', code => resolve(code)))
    let stdout = ''
    child.stdout.setEncoding('utf8')
    const firstLine = new Promise<string>(resolve => {
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk
        if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')))
      })
    })
    await harness.events.waitForSubscribers(1)
    harness.events.emit({ type: 'heartbeat', time: 1, peer: 'p1', slots: 2, running: 0, leases: 0, jobs: 0 })
    const step: ApiEvent = { type: 'step.completed', time: 2, job: 'j1', jobs: ['j1'], cacheId: 'c1', peer: 'p1', epoch: 1, attempt: 0 }
    harness.events.emit(step)
    expect(JSON.parse(await firstLine)).toEqual(step)

    child.kill('SIGINT')
    expect(await exited).toBe(0)
    await harness.events.waitForSubscribers(0)
  })
})
