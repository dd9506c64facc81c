#!/usr/bin/env node
/**
 * Large content between two nodes: how fast a file made on daemon A reaches
 * B, by four paths, on the same payload, interleaved run by run so the
 * machine's noise falls on every path alike:
 *
 *   (a) tcp       plain node:net copy on loopback (another process sends the file)
 *   (b) libp2p    a bare libp2p stream with the daemon's stack (TCP + pnet + noise + yamux)
 *                 from another process: raw bytes on a custom protocol, no IPFS
 *   (c) bitswap   Helia bitswap alone: a full artdag node in this process, its
 *                 content store with the direct transfer turned off, `getFile` from A
 *   (d) get       `artdag get <cid> -o file` on daemon B: the user's path, i.e. the
 *                 direct transfer (/artdag/fetch/1.0.0), then B's socket, then the CLI
 *   (d') fetch    the same node as (c), `getFile` with the direct transfer on: what
 *                 the engine does to fetch a step's inputs
 *   (e) local     `artdag get` on B again, the content now local: no network at all,
 *                 the ceiling that B's socket and the CLI put on (d)
 *
 * Every path ends the same way: the bytes in a new file on disk, flushed
 * (fsync before close, as `artdag get` does), checked against the payload's
 * SHA-256 after the clock stops. B's store (and the in-process node's) is
 * emptied by gc before every run, so each run fetches everything.
 *
 *   npm run bench:transfer [-- --mb 256] [--runs 3] [--bitswap-runs 3]
 *
 * Target (issue): the path large outputs take ≥ 0.5 × (b).
 */
import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { connect } from 'node:net'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { loadConfig } from '../../src/config/load.ts'
import { createArtdagNode } from '../../src/node/create-node.ts'
import { initHome } from '../../src/node/home.ts'
import { readSwarmKey } from '../../src/node/swarm-key.ts'
import { HeliaContentStore } from '../../src/store/content.ts'
import { eventually, initHomes, startCluster } from '../../test/e2e/helpers/daemon.ts'
import { median, sampleProcess } from './lib/proc.ts'
import { numberArg, printReport } from './lib/report.ts'
import { plainLibp2p, RAW_PROTOCOL } from './lib/stream-peer.ts'
import type { Row } from './lib/report.ts'
import type { ChildProcess } from 'node:child_process'

const MiB = 1024 * 1024
const mb = numberArg('mb', 256)
const runs = numberArg('runs', 3)
const bitswapRuns = numberArg('bitswap-runs', runs)
const size = Math.round(mb * MiB)
const PEER_SCRIPT = fileURLToPath(new URL('./lib/stream-peer.ts', import.meta.url))

const log = (line: string): void => {
  process.stderr.write(`${line}\n`)
}
const dir = await mkdtemp(join(tmpdir(), 'artdag-bench-transfer-'))
const children: ChildProcess[] = []
const cleanups: Array<() => Promise<unknown>> = []

try {
  // Shipped timings, not the e2e harness's fast heartbeats: less background work in the daemons.
  const { config: defaults } = await loadConfig({ home: dir })
  const env = {
    ARTDAG_LOG__LEVEL: 'warn',
    ARTDAG_MEMBERSHIP__HEARTBEAT_INTERVAL_MS: String(defaults.membership.heartbeatIntervalMs),
    ARTDAG_MEMBERSHIP__SUSPECT_AFTER_MS: String(defaults.membership.suspectAfterMs),
    ARTDAG_MEMBERSHIP__DEAD_AFTER_MS: String(defaults.membership.deadAfterMs),
    ARTDAG_REGISTRY__PUBLISH_INTERVAL_MS: String(defaults.registry.publishIntervalMs)
  }
  const homes = await initHomes(dir, ['a', 'b'])
  const [a, b] = await startCluster(homes, { env })
  cleanups.push(async () => await Promise.all([a!.stop(), b!.stop()]))
  await eventually(async () => (await b!.json(['status'])).peers.connected >= 1, { what: 'B connected to A', timeoutMs: 60_000 })

  const swarmKey = await readSwarmKey(join(homes[0]!, 'swarm.key'))
  const payload = join(dir, 'payload.bin')
  const { info: { port }, child: tcpPeer } = await startPeer(['tcp', payload])
  const { info: { multiaddr: rawAddress }, child: libp2pPeer } = await startPeer(['libp2p', payload, join(homes[0]!, 'swarm.key')])
  const receiver = await plainLibp2p(swarmKey)
  cleanups.push(async () => {
    await receiver.stop()
  })
  await receiver.dial(multiaddr(rawAddress))

  // One in-process artdag node, two stores over its Helia: bitswap only, and the default (direct transfer first).
  const homeC = join(dir, 'c')
  await initHome({ home: homeC })
  const node = await createArtdagNode({ home: homeC, swarmKey, listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [a!.addresses[0]!] })
  cleanups.push(async () => {
    await node.stop()
  })
  const bitswapOnly = new HeliaContentStore({ helia: node.helia })
  // A only: the bitswap wants of (c) would otherwise linger at B (Helia does not cancel them
  // there), and B would push every block to this node as soon as it gets them in (d).
  await node.setAllowlist([a!.peerId])
  await eventually(async () => node.libp2p.getConnections().length > 0, { what: 'the in-process node connected to A' })

  interface Path {
    label: string
    runs: number
    /** The process sending the bytes, for CPU accounting. */
    sender?: number | undefined
    /** The process receiving them: a pid, or this process. */
    receiver: number | 'self'
    /** Runs right after the one before, on the content it left on B (no gc between). */
    keep?: boolean
    /** Writes the content to `file`. */
    measure: (cid: string, file: string) => Promise<void>
    seconds: number[]
    cpu: { sender: number[], receiver: number[], cli: number[] }
  }
  const path = (init: Omit<Path, 'seconds' | 'cpu'>): Path => ({ ...init, seconds: [], cpu: { sender: [], receiver: [], cli: [] } })
  const paths: Record<string, Path> = {
    tcp: path({
      label: '(a) tcp loopback',
      runs,
      sender: tcpPeer.pid,
      receiver: 'self',
      measure: async (_, file) => {
        await tcpCopy(port, file)
      }
    }),
    libp2p: path({
      label: '(b) libp2p stream',
      runs,
      sender: libp2pPeer.pid,
      receiver: 'self',
      measure: async (_, file) => {
        await libp2pCopy(receiver, rawAddress, file)
      }
    }),
    bitswap: path({
      label: '(c) bitswap',
      runs: bitswapRuns,
      sender: a!.process.pid,
      receiver: 'self',
      measure: async (cid, file) => {
        await bitswapOnly.getFile(CID.parse(cid), file)
      }
    }),
    fetch: path({
      label: "(d') direct transfer: in-process getFile",
      runs,
      sender: a!.process.pid,
      receiver: 'self',
      measure: async (cid, file) => {
        await node.content.getFile(CID.parse(cid), file)
      }
    }),
    get: path({
      label: '(d) artdag get on B',
      runs,
      sender: a!.process.pid,
      receiver: b!.process.pid!,
      measure: async (cid, file) => {
        await cliGet(b!, cid, file)
      }
    }),
    local: path({
      label: '(e) artdag get on B, already local',
      runs,
      receiver: b!.process.pid!,
      keep: true,
      measure: async (cid, file) => {
        await cliGet(b!, cid, file)
      }
    })
  }

  for (let run = 0; run < Math.max(runs, bitswapRuns); run++) {
    // Fresh content every run: bitswap does not resend a block it sent the same peer
    // moments ago (its ledger keeps the want as `sent`), so re-fetching after gc would stall.
    const expected = await writeRandomFile(payload, size)
    // Unpinned: A's gc after the run removes it, and nothing collects it on A during the run.
    const { cid } = await a!.json<{ cid: string }>(['add', payload, '--pin', 'none'])
    log(`run ${run + 1}: ${mb} MiB added on A as ${cid}`)
    for (const p of Object.values(paths)) {
      if (run >= p.runs) continue
      // Only A holds the content when a path starts: B and the in-process node start empty.
      if (p.keep !== true) await emptyReceivers()
      const file = join(dir, 'out.bin')
      const before = await cpuSample(p)
      const start = performance.now()
      await p.measure(cid, file)
      const seconds = (performance.now() - start) / 1000
      const after = await cpuSample(p)
      p.cpu.sender.push(after.sender - before.sender)
      p.cpu.receiver.push(after.receiver - before.receiver)
      p.cpu.cli.push(after.cli - before.cli)
      const digest = await sha256File(file)
      if (digest !== expected) throw new Error(`${p.label}: run ${run + 1} wrote different bytes (sha256 ${digest}, expected ${expected})`)
      await rm(file, { force: true })
      p.seconds.push(seconds)
      log(`run ${run + 1} ${p.label}: ${(size / MiB / seconds).toFixed(1)} MiB/s (${seconds.toFixed(2)} s)`)
    }
    await emptyReceivers()
    await a!.json(['gc'])
  }

  async function emptyReceivers (): Promise<void> {
    await Promise.all([b!.json(['gc']), node.content.gc()])
  }

  const speed = (name: string): number => size / MiB / median(paths[name]!.seconds)
  const [tcp, libp2p, bitswap, fetch, get, local] = ['tcp', 'libp2p', 'bitswap', 'fetch', 'get', 'local'].map(speed) as [number, number, number, number, number, number]
  const target = '>= 0.5 x b'
  const rows: Row[] = [
    { metric: 'a_tcp_loopback', value: tcp, unit: 'MiB/s' },
    { metric: 'b_libp2p_stream', value: libp2p, unit: 'MiB/s', baseline: tcp, ratio: libp2p / tcp },
    { metric: 'c_bitswap', value: bitswap, unit: 'MiB/s', baseline: libp2p, ratio: bitswap / libp2p, target, pass: bitswap / libp2p >= 0.5 },
    { metric: 'd_artdag_get', value: get, unit: 'MiB/s', baseline: libp2p, ratio: get / libp2p, target, pass: get / libp2p >= 0.5 },
    { metric: 'd_artdag_get_vs_tcp', value: get, unit: 'MiB/s', baseline: tcp, ratio: get / tcp },
    { metric: 'd2_getfile_direct_transfer', value: fetch, unit: 'MiB/s', baseline: libp2p, ratio: fetch / libp2p, target, pass: fetch / libp2p >= 0.5 },
    { metric: 'e_artdag_get_already_local', value: local, unit: 'MiB/s', baseline: libp2p, ratio: local / libp2p }
  ]
  const cpuMedians = Object.fromEntries(
    Object.entries(paths).map(([name, p]) => [name, {
      sender: round(median(p.cpu.sender)),
      receiver: round(median(p.cpu.receiver)),
      cli: round(median(p.cpu.cli))
    }])
  )
  log(`\nCPU seconds per run (medians): ${Object.entries(cpuMedians).map(([name, c]) => `${name} send ${c.sender} recv ${c.receiver}${c.cli > 0 ? ` cli ${c.cli}` : ''}`).join(' | ')}`)
  printReport(`transfer of ${mb} MiB from daemon A to B (medians of ${runs} runs, bitswap ${bitswapRuns})`, rows, {
    sizeBytes: size,
    runs: Object.fromEntries(Object.entries(paths).map(([name, p]) => [name, p.seconds.map(s => round(size / MiB / s))])),
    ratios: { c_over_b: bitswap / libp2p, d_over_b: get / libp2p, d_over_a: get / tcp, d2_over_b: fetch / libp2p, e_over_b: local / libp2p },
    cpuSeconds: cpuMedians,
    transferStats: node.transfer.stats,
    node: process.version,
    cpus: cpus().length,
    loadavg: loadavg()
  })
} finally {
  for (const child of children) child.kill()
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
  await rm(dir, { recursive: true, force: true })
}

async function writeRandomFile (path: string, bytes: number): Promise<string> {
  const hash = createHash('sha256')
  const chunks = (function* () {
    for (let left = bytes; left > 0; left -= MiB) {
      const chunk = randomBytes(Math.min(MiB, left))
      hash.update(chunk)
      yield chunk
    }
  })()
  await pipeline(Readable.from(chunks), createWriteStream(path))
  return hash.digest('hex')
}

async function sha256File (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: MiB })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Starts stream-peer.ts and returns its JSON line. */
// oxlint-disable-next-line typescript/no-explicit-any -- JSON of any shape, read field by field
async function startPeer (args: string[]): Promise<{ info: Record<string, any>, child: ChildProcess }> {
  const child = spawn(process.execPath, [PEER_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.push(child)
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve)
    child.once('exit', code => {
      reject(new Error(`stream-peer ${String(args[0])} exited (${String(code)})`))
    })
  })
  return { info: JSON.parse(line), child }
}

async function tcpCopy (port: number, file: string): Promise<void> {
  const socket = connect(port, '127.0.0.1')
  await pipeline(socket, createWriteStream(file, { flush: true }))
}

async function libp2pCopy (node: Awaited<ReturnType<typeof plainLibp2p>>, address: string, file: string): Promise<void> {
  const stream = await node.dialProtocol(multiaddr(address), RAW_PROTOCOL)
  const chunks = (async function* () {
    for await (const chunk of stream) yield chunk instanceof Uint8Array ? chunk : chunk.subarray()
  })()
  await pipeline(Readable.from(chunks), createWriteStream(file, { flush: true }))
  const { size: written } = await stat(file)
  if (written !== size) throw new Error(`libp2p stream delivered ${written} of ${size} bytes`)
}

/** CPU seconds so far of the path's sender and receiver, and of this process's exited children (the CLI runs). */
async function cpuSample (p: { sender?: number | undefined, receiver: number | 'self' }): Promise<{ sender: number, receiver: number, cli: number }> {
  const own = process.cpuUsage()
  const stat = await readFile('/proc/self/stat', 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return {
    sender: p.sender == null ? 0 : (await sampleProcess(p.sender)).cpuSeconds,
    receiver: p.receiver === 'self' ? (own.user + own.system) / 1e6 : (await sampleProcess(p.receiver)).cpuSeconds,
    cli: (Number(fields[13]) + Number(fields[14])) / 100 // cutime + cstime, in clock ticks
  }
}

function round (n: number): number {
  return Math.round(n * 100) / 100
}

async function cliGet (daemon: { cli: (args: string[]) => Promise<{ code: number, stderr: string }> }, cid: string, file: string): Promise<void> {
  const result = await daemon.cli(['get', cid, '-o', file])
  if (result.code !== 0) throw new Error(`artdag get exited ${result.code}: ${result.stderr}`)
}
