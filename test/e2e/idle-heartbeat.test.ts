import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiClient } from '../../src/api/client.ts'
import { eventually, FAST_ENV, initHomes, startCluster } from './helpers/daemon.ts'
import type { ApiEvent } from '../../src/api/index.ts'
import type { Daemon } from './helpers/daemon.ts'

/**
 * Issue 11: a node with nothing in flight heartbeats at twice its interval and
 * announces it (`nextInMs`); it returns to its interval as soon as a job arrives;
 * an idle node that dies is suspected three announced intervals after its last
 * heartbeat (docs/MEMBERSHIP.md "An idle node's slower heartbeat"). Three real
 * daemons at the shipped ratio of timings (suspect after three intervals) on a
 * 500 ms interval; the events daemon A reports are what is checked.
 */

const INTERVAL_MS = 500
const IDLE_MS = 2 * INTERVAL_MS
const ENV = {
  ...FAST_ENV,
  ARTDAG_MEMBERSHIP__HEARTBEAT_INTERVAL_MS: String(INTERVAL_MS),
  ARTDAG_MEMBERSHIP__SUSPECT_AFTER_MS: String(3 * INTERVAL_MS),
  ARTDAG_MEMBERSHIP__DEAD_AFTER_MS: String(10 * INTERVAL_MS)
}
const RECIPES = fileURLToPath(new URL('../fixtures/recipes/', import.meta.url))

let dir: string
let daemons: Daemon[]
const seen: ApiEvent[] = []
const following = new AbortController()

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-idle-heartbeat-'))
  daemons = await startCluster(await initHomes(dir, ['a', 'b', 'c']), { env: ENV })
  const [a] = daemons as [Daemon]
  const events = await createApiClient({ home: a.home, socketPath: a.socket }).events({ signal: following.signal })
  void (async () => {
    try {
      for await (const event of events) seen.push(event)
    } catch {
      // Aborted at the end.
    }
  })()
}, 120_000)

afterAll(async () => {
  following.abort()
  await Promise.all((daemons ?? []).map(async d => await d.stop()))
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
})

type HeartbeatEvent = Extract<ApiEvent, { type: 'heartbeat' }>
const heartbeatsOf = (peer: string, from = 0): HeartbeatEvent[] => seen.slice(from).filter((e): e is HeartbeatEvent => e.type === 'heartbeat' && e.peer === peer)
const lastAnnounced = (peer: string): number | undefined => heartbeatsOf(peer).at(-1)?.nextInMs

describe('an idle node heartbeats at twice its interval', { timeout: 180_000 }, () => {
  it('announces twice its interval while idle, its interval while a job is in flight, and twice again after', async () => {
    const [a, b, c] = daemons as [Daemon, Daemon, Daemon]
    await eventually(async () => lastAnnounced(b.peerId) === IDLE_MS && lastAnnounced(c.peerId) === IDLE_MS, { what: 'B and C to announce the idle interval', timeoutMs: 30_000, intervalMs: 100 })
    const from = seen.length
    const { id } = await a.json<{ id: string }>(['submit', join(RECIPES, 'long-step.yaml')], { cwd: dir })
    const done = await eventually(async () => seen.slice(from).find(e => e.type === 'job.completed' && e.job === id), { what: 'the job to complete', timeoutMs: 120_000, intervalMs: 250 })
    // While its long step ran somewhere (a lease held, the job running everywhere), every heartbeat announced the interval.
    const running = seen.slice(from).find(e => e.type === 'step.running' && e.job === id)
    expect(running, 'the long step ran').toBeDefined()
    const ranUntil = seen.slice(from).find(e => (e.type === 'step.completed' || e.type === 'step.cached') && e.job === id)?.time ?? done.time
    for (const peer of [b.peerId, c.peerId]) {
      const during = heartbeatsOf(peer, from).filter(e => e.time > running!.time && e.time < ranUntil)
      expect(during.length, 'heartbeats while the step ran').toBeGreaterThan(0)
      expect(during.map(e => e.nextInMs)).toEqual(during.map(() => INTERVAL_MS))
    }
    // And the first heartbeats after the job arrived announced the interval again, before the step started.
    for (const peer of [b.peerId, c.peerId]) expect(heartbeatsOf(peer, from).find(e => e.nextInMs === INTERVAL_MS), `${peer} back at the interval`).toBeDefined()
    // Idle again: twice the interval.
    await eventually(async () => lastAnnounced(b.peerId) === IDLE_MS && lastAnnounced(c.peerId) === IDLE_MS, { what: 'B and C to stretch again', timeoutMs: 30_000, intervalMs: 100 })
  })

  it('an idle node killed is suspected three announced intervals after its last heartbeat, not three configured ones', async () => {
    const [, , c] = daemons as [Daemon, Daemon, Daemon]
    await eventually(async () => lastAnnounced(c.peerId) === IDLE_MS, { what: 'C to announce the idle interval', timeoutMs: 30_000, intervalMs: 100 })
    const from = seen.length
    await c.kill()
    const suspect = await eventually(async () => seen.slice(from).find(e => e.type === 'member.suspect' && e.peer === c.peerId), { what: 'C to be suspect at A', timeoutMs: 60_000, intervalMs: 100 })
    const last = heartbeatsOf(c.peerId).filter(e => e.time <= suspect.time).at(-1)
    expect(last?.nextInMs).toBe(IDLE_MS)
    // Timers fire late, never early: the silence A waited is at least three announced intervals.
    expect(suspect.time - last!.time).toBeGreaterThanOrEqual(3 * IDLE_MS - 5)
  })
})
