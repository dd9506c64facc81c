import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApiClient } from '../../src/api/client.ts'
import { ffprobe } from './helpers/cli.ts'
import { eventually } from './helpers/daemon.ts'
import { startWanCluster } from './helpers/wan-cluster.ts'
import type { JobDetail } from '../../src/api/schemas.ts'
import type { RenderResult } from '../../src/api/outputs.ts'
import type { WanCluster } from './helpers/wan-cluster.ts'

/**
 * Issue 7, item 1: three real daemons whose every connection crosses a WAN
 * link of 25 ± 10 ms one way (helpers/wan/). They find each other through the
 * link, run a job together, and come back together after a partition.
 */

const RECIPES = fileURLToPath(new URL('../fixtures/recipes/', import.meta.url))
let cluster: WanCluster

beforeAll(async () => {
  cluster = await startWanCluster({ nodes: 3, oneWayMs: 25, jitterMs: 10 })
}, 180_000)

afterAll(async () => {
  await cluster?.stop()
})

/** Every daemon connection runs to the link, and every pair of nodes is connected through it. */
async function expectAllThroughLink (): Promise<void> {
  // Each node keeps a connection to every member it knows (membership's reconnector).
  await eventually(async () => (await cluster.throughLink()).connectedPairs.length === 3, { what: 'every pair of nodes connected' })
  const crossing = await cluster.throughLink()
  expect(crossing.bypass).toEqual([])
  expect(crossing.outside).toBe(0)
  expect(crossing.connectedPairs).toEqual(['n1-n2', 'n1-n3', 'n2-n3'])
  // Not vacuous: the daemons hold connections (each through the link: both ends' sockets), and
  // the link carried bytes each way between every two nodes.
  expect(crossing.connections).toBeGreaterThanOrEqual(6)
  const { pairs } = await cluster.link.stats()
  for (const [x, y] of [['n1', 'n2'], ['n1', 'n3'], ['n2', 'n3']] as const) {
    const between = pairs.filter(p => (p.dialler === x && p.target === y) || (p.dialler === y && p.target === x))
    const fromX = between.reduce((sum, p) => sum + (p.dialler === x ? p.bytesFromDialler : p.bytesFromTarget), 0)
    const fromY = between.reduce((sum, p) => sum + (p.dialler === y ? p.bytesFromDialler : p.bytesFromTarget), 0)
    expect(Math.min(fromX, fromY), `${x}-${y}`).toBeGreaterThan(0)
  }
}

describe('three daemons behind a 25 ± 10 ms WAN link', { timeout: 240_000 }, () => {
  it('see each other alive, through the link only', async () => {
    const ids = cluster.daemons.map(d => d.peerId).sort()
    for (const daemon of cluster.daemons) {
      const { peers } = await daemon.json<{ peers: Array<{ peer: string, state: string }> }>(['peers'])
      expect(peers.map(p => p.peer).sort()).toEqual(ids)
      expect(peers.every(p => p.state === 'alive')).toBe(true)
    }
    await expectAllThroughLink()
  })

  it('run a job of six parallel steps; its output, fetched through the link on another node, plays', async () => {
    const [a, , c] = cluster.daemons
    const done = await a!.json<RenderResult>(['submit', join(RECIPES, 'parallel.yaml'), '--wait'], { cwd: cluster.dir })
    expect(done.state).toBe('completed')
    expect(done.steps.every(s => s.state === 'completed')).toBe(true)
    // Every node ends with the job completed.
    for (const daemon of cluster.daemons) {
      await eventually(async () => (await daemon.json<JobDetail>(['job', done.job as string])).state === 'completed', { what: `the job completed on ${daemon.home}`, timeoutMs: 60_000 })
    }
    const out = join(cluster.dir, 'parallel.mp4')
    await c!.json(['get', done.output as string, '-o', out])
    expect(Math.abs((await ffprobe(out)).durationS - 12)).toBeLessThanOrEqual(1 / 25 + 0.05)
    await expectAllThroughLink()
  })

  it('sees a partitioned node suspect, and alive again after the heal', async () => {
    const [a, , c] = cluster.daemons
    const client = createApiClient({ home: a!.home, socketPath: a!.socket })
    const controller = new AbortController()
    const stream = await client.events({ types: ['member'], signal: controller.signal })
    const seen: string[] = []
    const watching = (async () => {
      try {
        for await (const event of stream) {
          if (event.peer !== c!.peerId) continue
          seen.push(event.type)
          if (event.type === 'member.suspect') await cluster.link.heal()
          if (event.type === 'member.alive') return
        }
      } catch (err: unknown) {
        if (!controller.signal.aborted) throw err
      }
    })()
    await cluster.link.partition(['n3'])
    const bound = setTimeout(() => {
      controller.abort()
    }, 60_000)
    await watching
    clearTimeout(bound)
    controller.abort()
    expect(seen[0]).toBe('member.suspect')
    expect(seen.at(-1)).toBe('member.alive')
    await cluster.waitAllAlive()
  })
})
