import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApiClient } from '../../../src/api/client.ts'
import { errorMessage } from '../../../src/errors.ts'
import { Daemon, eventually, FAST_ENV, initHomes } from './daemon.ts'
import { WanLink } from './wan/controller.ts'
import { establishedConnections, freePort, loopbackNet } from './wan/sockets.ts'
import type { StartOptions } from './daemon.ts'
import type { Shape } from './wan/policy.ts'

/**
 * A cluster of real daemons behind one WAN link (wan/link-process.ts). Node i
 * has its own loopback address: it listens there on a private port, dials
 * from there (`node.dialFrom`) and announces only its port on the link
 * (`node.announce`), so every daemon-to-daemon connection crosses the link,
 * which knows the dialler by the source address and the target by the port.
 */

export interface WanClusterOptions {
  nodes: number
  /** One-way delay, ms. */
  oneWayMs?: number
  /** Jitter, ms: each chunk's delay is uniform in oneWayMs ± jitterMs, in order. */
  jitterMs?: number
  bytesPerSecond?: number | null
  /** The daemons' environment. @default FAST_ENV */
  env?: Record<string, string>
  /** Extra environment per node (e.g. its ffmpeg). */
  nodeEnv?: (index: number, home: string) => Record<string, string> | Promise<Record<string, string>>
  /** Where the homes go. @default a new temporary directory, removed by stop() */
  dir?: string
  /** Bound on every node seeing every other alive. */
  timeoutMs?: number
  /**
   * How many daemons start at a time after the first (each bootstraps from
   * it). On one small machine, many starting at once compete for the CPU as
   * daemons on separate machines do not. @default all at once
   */
  startConcurrency?: number
}

export interface WanNode {
  /** The link's name for it: n1, n2, … */
  name: string
  home: string
  ip: string
  /** Its private listen address. */
  listen: string
  /** Its address on the link (what it announces), without /p2p/. */
  address: string
  env: Record<string, string>
}

export interface WanCluster {
  dir: string
  link: WanLink
  nodes: WanNode[]
  /** Running daemons by node index; a stopped or killed one stays until restarted. */
  daemons: Daemon[]
  /** Starts node i's daemon again on its home, addresses and port, bootstrapping through the link from another node. */
  restart: (index: number, options?: StartOptions) => Promise<Daemon>
  /** Every daemon sees `others` members alive (default: all the others). */
  waitAllAlive: (others?: number, timeoutMs?: number) => Promise<void>
  /** Checks that every TCP connection of a daemon runs to the link; see throughLink(). */
  throughLink: () => Promise<LinkCrossing>
  /** Stops the daemons, then the link; removes the directory it made. */
  stop: () => Promise<void>
  /** When (Date.now()) the first daemon was started, every daemon was ready, and every one saw all the others alive. */
  timings: { started: number, ready: number, allAlive: number }
}

export interface LinkCrossing {
  /** Established TCP connections the daemons hold. */
  connections: number
  /** Daemon connections whose far end is not the link: traffic that went around it. */
  bypass: Array<{ node: string, local: string, remote: string }>
  /** Unordered pairs of nodes with an open connection through the link, as `n1-n2`. */
  connectedPairs: string[]
  /** Connections the link accepted from an address that is no node's. */
  outside: number
}

export async function startWanCluster (options: WanClusterOptions): Promise<WanCluster> {
  const dir = options.dir ?? await mkdtemp(join(tmpdir(), 'artdag-e2e-wan-'))
  const ownsDir = options.dir == null
  const names = Array.from({ length: options.nodes }, (_, i) => `n${i + 1}`)
  const net = loopbackNet()
  const shape: Partial<Shape> = { oneWayMs: options.oneWayMs ?? 0, jitterMs: options.jitterMs ?? 0, bytesPerSecond: options.bytesPerSecond ?? null }
  const link = await WanLink.start({ host: net.at(1), shape })
  const daemons: Daemon[] = []
  const stop = async (): Promise<void> => {
    await Promise.all(daemons.map(async d => await d.stop()))
    await link.stop()
    if (ownsDir) await rm(dir, { recursive: true, force: true })
  }

  try {
    const homes = await initHomes(dir, names)
    const nodes: WanNode[] = []
    for (const [i, name] of names.entries()) {
      const ip = net.at(i + 2)
      const port = await freePort(ip)
      const { address } = await link.addNode({ name, ip, target: { host: ip, port } })
      const home = homes[i]!
      const env = { ...(options.env ?? FAST_ENV), ...await options.nodeEnv?.(i, home), ARTDAG_NODE__ANNOUNCE: `[${address}]`, ARTDAG_NODE__DIAL_FROM: ip }
      nodes.push({ name, home, ip, listen: `/ip4/${ip}/tcp/${port}`, address, env })
    }
    const start = async (i: number, bootstrapFrom: number | undefined, extra: StartOptions = {}): Promise<Daemon> => {
      const node = nodes[i]!
      const bootstrap = bootstrapFrom === undefined ? [] : [daemons[bootstrapFrom]!.addresses[0]!]
      const daemon = await Daemon.start(node.home, { bootstrap, ...extra, listen: node.listen, env: { ...node.env, ...extra.env } })
      daemons[i] = daemon
      return daemon
    }
    const started = Date.now()
    await start(0, undefined)
    const batch = options.startConcurrency ?? nodes.length
    for (let i = 1; i < nodes.length; i += batch) {
      await Promise.all(nodes.slice(i, i + batch).map(async (_, j) => await start(i + j, 0)))
    }
    const ready = Date.now()

    const waitAllAlive = async (others = nodes.length - 1, timeoutMs = options.timeoutMs ?? 120_000): Promise<void> => {
      const seen = new Map<string, string>()
      try {
        await Promise.all(daemons.map(async (d, i) => {
          const client = createApiClient({ home: d.home, socketPath: d.socket })
          await eventually(async () => {
            const { membership, peers } = await client.status()
            seen.set(names[i]!, `${membership.alive} alive, ${membership.suspect} suspect, ${membership.dead} dead, ${peers.connected} connected`)
            return membership.alive >= others
          }, { what: `${names[i]} to see ${others} members alive`, timeoutMs, intervalMs: 250 })
        }))
      } catch (err: unknown) {
        // Say what every node saw last, and which daemons exited.
        const exited = daemons.map((d, i) => d.process.exitCode != null || d.process.signalCode != null ? `${names[i]} exited (${d.process.exitCode ?? d.process.signalCode}): ${d.logs.slice(-3).join(' | ')}` : undefined).filter(line =>
          line !== undefined
        )
        throw new Error(`${errorMessage(err)}\nlast seen: ${[...seen].map(([n, v]) => `${n}: ${v}`).join('; ')}${exited.length > 0 ? `\n${exited.join('\n')}` : ''}`, { cause: err })
      }
    }
    const throughLink = async (): Promise<LinkCrossing> => {
      const byPid = new Map(daemons.map((d, i) => [d.process.pid!, names[i]!]))
      const established = await establishedConnections([...byPid.keys()])
      const bypass = established
        .filter(c => !c.remote.startsWith(`${link.host}:`))
        .map(c => ({ node: byPid.get(c.pid)!, local: c.local, remote: c.remote }))
      const stats = await link.stats()
      const connectedPairs = [...new Set(stats.pairs.filter(p => p.open > 0 && p.dialler !== 'outside').map(p => [p.dialler, p.target].sort().join('-')))].sort()
      const outside = stats.pairs.filter(p => p.dialler === 'outside').reduce((sum, p) => sum + p.connections, 0)
      return { connections: established.length, bypass, connectedPairs, outside }
    }
    const restart = async (index: number, extra: StartOptions = {}): Promise<Daemon> => {
      const other = daemons.findIndex((d, i) => i !== index && d.process.exitCode == null && d.process.signalCode == null)
      return await start(index, other === -1 ? undefined : other, extra)
    }
    await waitAllAlive()
    return { dir, link, nodes, daemons, restart, waitAllAlive, throughLink, stop, timings: { started, ready, allAlive: Date.now() } }
  } catch (err: unknown) {
    await stop()
    throw err
  }
}
