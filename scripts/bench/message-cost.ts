#!/usr/bin/env node
/**
 * What one cluster message costs in CPU, by transport (issue 11's "transport
 * redesign" question). Three libp2p nodes in three processes, as daemons are
 * (scripts/bench/lib/message-peer.ts: the daemon's TCP + pnet + noise + yamux
 * on loopback, fully meshed); each publishes `--messages` messages at `--rate`
 * a second, alternately a lease claim (~300 bytes) and a step result (~600),
 * fresh ones, encoded and decoded with their real codecs; every node must
 * receive every other node's messages. Modes (message-peer.ts says more):
 *
 *   gossip            gossipsub as the daemon configures it (createPubSub)
 *   direct            one long-lived stream per ordered pair, length-prefixed frames
 *   signed            direct, every frame signed by its sender (Ed25519), checked on receipt
 *   gossip-nofwd      gossipsub with an empty mesh: flood-published, never forwarded
 *   gossip-idontwant  the daemon's gossipsub with IDONTWANT for every message
 *   tcp               direct's frames over plain loopback TCP: no pnet, noise or yamux
 *
 * Per mode and run: three fresh processes, connected and warmed up (`--warmup`
 * messages each, uncounted), left to settle; then an idle window (no messages)
 * as long as the message window is planned to be, then the message window:
 * from the first publish until every node has counted every other node's
 * messages, plus `--drain-ms` for what follows (forwarded duplicates, gossip).
 * CPU is each process's own (process.cpuUsage, user + system), read at both
 * ends of each window; the idle rate times the window's length is subtracted.
 * Modes run interleaved (gossip, direct, signed, …, gossip, direct, …); the
 * report gives medians, each as a ratio to `direct`.
 *
 *   npm run bench:message-cost [-- --messages 300] [--rate 100] [--runs 3] [--warmup 50]
 *                              [--drain-ms 500] [--modes gossip,direct,signed,gossip-nofwd,gossip-idontwant,tcp]
 */
import { fork } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { generateSwarmKey } from '../../src/node/swarm-key.ts'
import { machineFacts, stringArg } from './lib/cluster.ts'
import { settled } from './lib/cpu.ts'
import { MODES } from './lib/message-protocol.ts'
import type { Mode, Request, Sample } from './lib/message-protocol.ts'
import { median } from './lib/proc.ts'
import { numberArg, printReport } from './lib/report.ts'
import type { Row } from './lib/report.ts'
import type { ChildProcess } from 'node:child_process'

const PEER_SCRIPT = fileURLToPath(new URL('./lib/message-peer.ts', import.meta.url))
const NODES = 3
const messages = numberArg('messages', 300)
const rate = numberArg('rate', 100)
const runs = numberArg('runs', 3)
const warmup = numberArg('warmup', 50)
const drainMs = numberArg('drain-ms', 500)
const modes = stringArg('modes', MODES.join(',')).split(',').map(m => m.trim()) as Mode[]
for (const mode of modes) if (!MODES.includes(mode)) throw new Error(`--modes: unknown mode ${JSON.stringify(mode)} (one of ${MODES.join(', ')})`)
if (!modes.includes('direct')) throw new Error('--modes must include direct: every ratio is to it')
/** How long the message window is planned to last; the idle window lasts as long. */
const plannedMs = (messages * 1000) / rate + drainMs
const REQUEST_TIMEOUT_MS = 30_000

const log = (line: string): void => {
  process.stderr.write(`${line}\n`)
}

type Reply = Record<string, unknown> & { id: number, error?: string }
type Ask = Request extends infer R ? R extends { id: number } ? Omit<R, 'id'> : never : never

/** One child process: a libp2p node of `mode`, asked over IPC. */
class Peer {
  readonly child: ChildProcess
  peerId = ''
  addr = ''
  #next = 0
  readonly #pending = new Map<number, PromiseWithResolvers<Reply>>()
  readonly exited: Promise<number | null>

  constructor (mode: Mode, keyPath: string) {
    this.child = fork(PEER_SCRIPT, [mode, keyPath], { execPath: process.execPath, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    this.exited = new Promise(resolve =>
      this.child.once('exit', code => {
        for (const pending of this.#pending.values()) pending.reject(new Error(`peer process exited (${String(code)})`))
        resolve(code)
      })
    )
    this.child.on('message', (reply: Reply) => {
      const pending = this.#pending.get(reply.id)
      if (pending == null) return
      this.#pending.delete(reply.id)
      if (reply.error != null) pending.reject(new Error(reply.error))
      else pending.resolve(reply)
    })
  }

  async ready (): Promise<void> {
    const ready = await new Promise<{ peerId: string, addr: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('peer process did not start within 30 s')), REQUEST_TIMEOUT_MS)
      this.child.once('message', (msg: { type: string, peerId: string, addr: string }) => {
        clearTimeout(timer)
        resolve(msg)
      })
    })
    this.peerId = ready.peerId
    this.addr = ready.addr
  }

  async ask (request: Ask, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Reply> {
    const id = ++this.#next
    const reply = Promise.withResolvers<Reply>()
    this.#pending.set(id, reply)
    this.child.send({ ...request, id })
    const timer = setTimeout(() => reply.reject(new Error(`${request.type}: no answer within ${timeoutMs} ms`)), timeoutMs)
    try {
      return await reply.promise
    } finally {
      clearTimeout(timer)
      this.#pending.delete(id)
    }
  }

  async sample (): Promise<Sample> {
    return (await this.ask({ type: 'sample' })).sample as Sample
  }

  /** Asks it to stop and waits for it to exit by itself (no handle left); kills it after 10 s. */
  async stop (): Promise<boolean> {
    if (this.child.exitCode != null) return true
    await this.ask({ type: 'stop' }, 10_000).catch(() => {})
    const exited = await Promise.race([this.exited.then(() => true), sleep(10_000, false)])
    if (!exited) this.child.kill('SIGKILL')
    return exited
  }
}

interface RunResult {
  mode: Mode
  run: number
  load1m: number
  /** CPU of the three processes over the message window, ms. */
  windowCpuMs: number
  /** Their idle CPU rate (ms of CPU per s) times the window's length. */
  idleCpuMs: number
  idleCpuMsPerSecond: number
  windowMs: number
  /** The window's ends on the system's monotonic clock, µs: to cut a `--cpu-prof` profile of the peers to it. */
  windowMonotonicMicros: [number, number]
  /** First publish until every node counted every other node's messages. */
  deliveredMs: number
  published: number
  deliveries: number
  duplicates: number
  failures: number
  payloadBytes: number
  exitedCleanly: boolean
}

const monotonicMicros = (): number => Number(process.hrtime.bigint() / 1000n)
const sum = (samples: Sample[], pick: (s: Sample) => number): number => samples.reduce((total, s) => total + pick(s), 0)

/** One mode's run on three fresh processes, stopped at the end whatever happened. */
async function runMode (mode: Mode, run: number, keyPath: string): Promise<RunResult> {
  const peers = Array.from({ length: NODES }, () => new Peer(mode, keyPath))
  let measured: Omit<RunResult, 'exitedCleanly'>
  let exitedCleanly = false
  try {
    measured = await measure(mode, run, peers)
  } finally {
    exitedCleanly = (await Promise.all(peers.map(async peer => await peer.stop()))).every(Boolean)
    if (!exitedCleanly) log(`  ${mode}: a peer process did not exit by itself within 10 s (killed): a handle was left`)
  }
  return { ...measured, exitedCleanly }
}

async function measure (mode: Mode, run: number, peers: Peer[]): Promise<Omit<RunResult, 'exitedCleanly'>> {
  const load1m = loadavg()[0] ?? NaN
  await Promise.all(peers.map(async peer => await peer.ready()))
  await Promise.all(
    peers.map(async (peer, i) => await peer.ask({ type: 'connect', dial: peers.slice(0, i).map(p => p.addr), addrs: Object.fromEntries(peers.filter(p => p !== peer).map(p => [p.peerId, p.addr])), timeoutMs: 20_000 }, 25_000))
  )
  const exchange = async (count: number, perPeer: number): Promise<number> => {
    const started = performance.now()
    await Promise.all(peers.map(async peer =>
      await Promise.all([
        peer.ask({ type: 'publish', count, rate }, (count * 1000) / rate + REQUEST_TIMEOUT_MS),
        peer.ask({ type: 'wait', perPeer, timeoutMs: (count * 1000) / rate + REQUEST_TIMEOUT_MS - 1000 }, (count * 1000) / rate + REQUEST_TIMEOUT_MS)
      ])
    ))
    return performance.now() - started
  }
  await Promise.all(peers.map(async peer => await peer.ask({ type: 'prepare', count: warmup })))
  await exchange(warmup, warmup)
  const calm = await settled(peers.map(peer => peer.child.pid!), { maxShare: 0.05, windowMs: 500, timeoutMs: 10_000 })
  if (!calm.settled) log(`  ${mode}: the processes did not settle (${calm.shares.map(s => s.toFixed(2)).join(', ')} of a core)`)

  const idleStart = await Promise.all(peers.map(async peer => await peer.sample()))
  const idleAt = performance.now()
  await sleep(plannedMs)
  const idleEnd = await Promise.all(peers.map(async peer => await peer.sample()))
  const idleMs = performance.now() - idleAt
  // µs of CPU per ms of wall: ms per s.
  const idleCpuMsPerSecond = (sum(idleEnd, s => s.cpuMicros) - sum(idleStart, s => s.cpuMicros)) / idleMs

  await Promise.all(peers.map(async peer => await peer.ask({ type: 'prepare', count: messages })))
  const start = await Promise.all(peers.map(async peer => await peer.sample()))
  const startAt = performance.now()
  const startMonotonic = monotonicMicros()
  const deliveredMs = await exchange(messages, warmup + messages)
  await sleep(drainMs)
  const end = await Promise.all(peers.map(async peer => await peer.sample()))
  const windowMs = performance.now() - startAt
  const endMonotonic = monotonicMicros()

  const windowCpuMs = (sum(end, s => s.cpuMicros) - sum(start, s => s.cpuMicros)) / 1000
  const deliveries = sum(end, s => s.delivered) - sum(start, s => s.delivered)
  const copies = sum(end, s => s.copies) - sum(start, s => s.copies)
  const published = sum(end, s => s.sent) - sum(start, s => s.sent)
  return {
    mode,
    run,
    load1m,
    windowCpuMs,
    idleCpuMs: (idleCpuMsPerSecond * windowMs) / 1000,
    idleCpuMsPerSecond,
    windowMs,
    windowMonotonicMicros: [startMonotonic, endMonotonic],
    deliveredMs,
    published,
    deliveries,
    duplicates: mode.startsWith('gossip') ? copies - deliveries : 0,
    failures: sum(end, s => s.failures),
    payloadBytes: (sum(end, s => s.payloadBytes) - sum(start, s => s.payloadBytes)) / published
  }
}

const dir = await mkdtemp(join(tmpdir(), 'artdag-bench-message-cost-'))
const keyPath = join(dir, 'swarm.key')
const results: RunResult[] = []
const loads: number[] = [loadavg()[0] ?? NaN]
try {
  await writeFile(keyPath, generateSwarmKey())
  log(`message cost: ${NODES} processes, ${messages} messages each at ${rate}/s, ${runs} runs of ${modes.join(', ')}`)
  for (let run = 1; run <= runs; run++) {
    for (const mode of modes) {
      const result = await runMode(mode, run, keyPath)
      results.push(result)
      const net = result.windowCpuMs - result.idleCpuMs
      log(
        `  run ${run} ${mode.padEnd(16)} load ${result.load1m.toFixed(1)}: ${(net / result.published).toFixed(3)} ms/message, ${(net / result.deliveries).toFixed(3)} ms/delivery (window ${result.windowCpuMs.toFixed(0)} ms CPU, idle ${
          result.idleCpuMs.toFixed(0)
        }), ${result.deliveries} deliveries, ${result.duplicates} duplicates, delivered in ${result.deliveredMs.toFixed(0)} ms`
      )
      loads.push(loadavg()[0] ?? NaN)
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}

const of = (mode: Mode): RunResult[] => results.filter(r => r.mode === mode)
const net = (r: RunResult): number => r.windowCpuMs - r.idleCpuMs
const perMessage = (mode: Mode): number => median(of(mode).map(r => net(r) / r.published))
const perDelivery = (mode: Mode): number => median(of(mode).map(r => net(r) / r.deliveries))
const direct = { message: perMessage('direct'), delivery: perDelivery('direct') }
/** The median over runs of this mode's CPU per message ÷ direct's in the same run (the load moves both alike). */
const pairedRatio = (mode: Mode): number =>
  median(
    of(mode).map(r => {
      const base = results.find(b => b.run === r.run && b.mode === 'direct')!
      return (net(r) / r.published) / (net(base) / base.published)
    })
  )
const rows: Row[] = modes.flatMap(mode => [
  { metric: `${mode}: CPU per message published (3 processes, idle subtracted; ratio paired by run)`, value: perMessage(mode), unit: 'ms', baseline: direct.message, ratio: pairedRatio(mode) },
  { metric: `${mode}: CPU per delivery`, value: perDelivery(mode), unit: 'ms', baseline: direct.delivery, ratio: pairedRatio(mode) },
  { metric: `${mode}: CPU in the window, before subtraction`, value: median(of(mode).map(r => r.windowCpuMs)), unit: 'ms' },
  { metric: `${mode}: idle CPU of the 3 processes`, value: median(of(mode).map(r => r.idleCpuMsPerSecond)), unit: 'ms/s' },
  { metric: `${mode}: first publish → all delivered`, value: median(of(mode).map(r => r.deliveredMs)), unit: 'ms' },
  { metric: `${mode}: deliveries counted`, value: median(of(mode).map(r => r.deliveries)), unit: 'messages' },
  { metric: `${mode}: duplicate copies received`, value: median(of(mode).map(r => r.duplicates)), unit: 'messages' }
])
const failures = results.reduce((total, r) => total + r.failures, 0)
printReport('message-cost', rows, {
  machine: machineFacts(),
  nodes: NODES,
  messagesPerNode: messages,
  ratePerNode: rate,
  runs,
  warmup,
  drainMs,
  payloadBytes: median(results.map(r => r.payloadBytes)),
  loadavg1m: loads,
  failures,
  samples: results
})
if (failures > 0) {
  log(`${failures} messages failed to decode or verify`)
  process.exitCode = 1
}
