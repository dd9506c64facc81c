import { execFile } from 'node:child_process'
import { AbortedError, errorMessage, errorName } from '../errors.ts'
import { multiaddr } from '@multiformats/multiaddr'
import { TailscaleUnavailableError } from './errors.ts'
import { parseTailscaleStatus, tailnetDialTargets } from './tailscale-status.ts'
import type { DiscoveryMetrics } from './metrics.ts'
import type { TailscaleStatus } from './tailscale-status.ts'
import type { Logger } from '../log.ts'
import { ComponentRun } from '../lifecycle/index.ts'
import type { AbortOptions, Scheduler, Startable } from '../lifecycle/index.ts'
import type { Libp2p } from '@libp2p/interface'

/**
 * Tailscale discovery: a tailnet has no multicast, but `tailscale status
 * --json` lists every machine on it. Every interval this runs it, and dials
 * each online machine's tailnet address on the artdag port
 * (`/ip4/<ip>/tcp/<port>`, no peer id: the handshake tells who answered; the
 * swarm key keeps out anything that is not ours). Machines already connected
 * are skipped. A missing, failing or garbled `tailscale` is logged and
 * counted, and tried again next interval.
 */
export interface TailscaleDiscoveryInit {
  /** @default 'tailscale' (config `discovery.tailscale.command`) */
  command?: string
  /** The artdag port on the other machines. @default 4101 */
  port?: number
  /** @default 30000 */
  intervalMs?: number
  /** Timeout of one `tailscale status` run. @default 5000 */
  timeoutMs?: number
  /** Timeout of one dial. @default 10000 */
  dialTimeoutMs?: number
}

export const DEFAULT_TAILSCALE_COMMAND = 'tailscale'
export const DEFAULT_ARTDAG_PORT = 4101
export const DEFAULT_TAILSCALE_INTERVAL_MS = 30_000
export const DEFAULT_TAILSCALE_TIMEOUT_MS = 5_000
export const DEFAULT_TAILSCALE_DIAL_TIMEOUT_MS = 10_000

/** The `discovery.tailscale:` config section's defaults (config/default.yaml is checked against them). */
export const TAILSCALE_DEFAULTS = {
  enabled: false,
  command: DEFAULT_TAILSCALE_COMMAND,
  port: DEFAULT_ARTDAG_PORT,
  intervalMs: DEFAULT_TAILSCALE_INTERVAL_MS,
  timeoutMs: DEFAULT_TAILSCALE_TIMEOUT_MS
}
/** A status document of a large tailnet is a few hundred KiB. */
const MAX_STATUS_BYTES = 16 * 1024 * 1024

export interface TailscaleDiscoveryComponents {
  libp2p: Pick<Libp2p, 'dial' | 'getConnections'>
  metrics: DiscoveryMetrics
  logger: Logger
  /** Environment of the `tailscale` process (its PATH finds the command). @default process.env */
  env?: NodeJS.ProcessEnv | undefined
  /** @default systemScheduler */
  scheduler?: Scheduler | undefined
}

export type RoundResult = 'ok' | 'not_running' | 'unavailable' | 'invalid'

export interface DiscoveryRound {
  result: RoundResult
  /** Addresses dialled, and the peer ids that answered. */
  dialled: string[]
  connected: string[]
  /** Addresses of machines we were already connected to. */
  skipped: string[]
  /** Why `tailscale status` gave no machines (a result other than `ok`). */
  reason?: string
}

/** What `artdag status` shows of discovery: the port it dials and the last round's outcome (null before the first ends). */
export interface TailscaleDiscoveryState {
  port: number
  lastRound: {
    at: number
    result: RoundResult
    /** Why `tailscale status` gave no machines (a result other than `ok`). */
    reason: string | null
    /** Machines dialled (not already connected), and how many answered as artdag. */
    dialled: number
    connected: number
  } | null
}

/** Runs `<command> status --json` with a timeout; errors name the command. */
export async function runTailscaleStatus (command: string, options: { timeoutMs: number, signal?: AbortSignal | undefined, env?: NodeJS.ProcessEnv }): Promise<TailscaleStatus> {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(command, ['status', '--json'], {
      timeout: options.timeoutMs,
      signal: options.signal,
      env: options.env,
      killSignal: 'SIGKILL',
      maxBuffer: MAX_STATUS_BYTES,
      encoding: 'utf8'
    }, (err, out, stderr) => {
      if (err == null) {
        resolve(out)
        return
      }
      const e = err as NodeJS.ErrnoException & { killed?: boolean, code?: string | number }
      const why = e.code === 'ENOENT'
        ? 'not found (is tailscale installed? set discovery.tailscale.command)'
        : e.name === 'AbortError'
        ? 'aborted'
        : e.killed === true
        ? `no answer within ${options.timeoutMs} ms`
        : `failed (exit ${String(e.code)}): ${stderr.trim().split('\n')[0] ?? ''}`
      reject(new TailscaleUnavailableError(`${command} status --json ${why}`, { command }, { cause: err }))
    })
  })
  return parseTailscaleStatus(stdout)
}

export class TailscaleDiscovery implements Startable {
  readonly #c: TailscaleDiscoveryComponents
  readonly #log: Logger
  readonly #command: string
  readonly #port: number
  readonly #intervalMs: number
  readonly #timeoutMs: number
  readonly #dialTimeoutMs: number
  /** Which peer answered at which tailnet IP, to skip it while connected. */
  readonly #peerAt = new Map<string, string>()
  #run: ComponentRun | undefined
  #round: Promise<DiscoveryRound> | undefined
  #lastResult: RoundResult | undefined
  #lastRound: TailscaleDiscoveryState['lastRound'] = null

  constructor (components: TailscaleDiscoveryComponents, init: TailscaleDiscoveryInit = {}) {
    this.#c = components
    this.#log = components.logger.forComponent('artdag:discovery:tailscale')
    this.#command = init.command ?? DEFAULT_TAILSCALE_COMMAND
    this.#port = init.port ?? DEFAULT_ARTDAG_PORT
    this.#intervalMs = init.intervalMs ?? DEFAULT_TAILSCALE_INTERVAL_MS
    this.#timeoutMs = init.timeoutMs ?? DEFAULT_TAILSCALE_TIMEOUT_MS
    this.#dialTimeoutMs = init.dialTimeoutMs ?? DEFAULT_TAILSCALE_DIAL_TIMEOUT_MS
  }

  async start (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    if (this.#run !== undefined) return
    const run = new ComponentRun({
      name: 'tailscale discovery',
      scheduler: this.#c.scheduler,
      onTaskError: err => {
        this.#log.warn({ err }, 'tailnet round failed')
      }
    })
    this.#run = run
    const tick = (): void => {
      if (this.#round === undefined) run.track('round', this.runOnce())
    }
    run.every(this.#intervalMs, tick)
    tick()
  }

  /** The last round's outcome, for `GET /v1/status`. */
  state (): TailscaleDiscoveryState {
    return { port: this.#port, lastRound: this.#lastRound === null ? null : { ...this.#lastRound } }
  }

  async stop (): Promise<void> {
    const run = this.#run
    this.#run = undefined
    // Rounds never throw (they record their outcome): this waits for the current one to end.
    await run?.end()
  }

  /** One round: run tailscale, dial the machines not connected. Never throws. */
  async runOnce (): Promise<DiscoveryRound> {
    if (this.#round !== undefined) return await this.#round
    const shutdown = this.#run?.signal ?? AbortSignal.abort(new AbortedError('tailscale discovery is not running'))
    this.#round = this.#runRound(shutdown).then(round => {
      if (!shutdown.aborted) this.#lastRound = { at: Date.now(), result: round.result, reason: round.reason ?? null, dialled: round.dialled.length, connected: round.connected.length }
      return round
    }).finally(() => {
      this.#round = undefined
    })
    return await this.#round
  }

  async #runRound (shutdown: AbortSignal): Promise<DiscoveryRound> {
    const round: DiscoveryRound = { result: 'ok', dialled: [], connected: [], skipped: [] }
    let status: TailscaleStatus
    try {
      status = await runTailscaleStatus(this.#command, { timeoutMs: this.#timeoutMs, signal: shutdown, env: this.#c.env ?? process.env })
    } catch (err: unknown) {
      round.result = errorName(err) === 'TailscaleStatusInvalidError' ? 'invalid' : 'unavailable'
      round.reason = errorMessage(err)
      this.#record(round.result, round.reason)
      return round
    }
    if (status.backendState !== 'Running') {
      round.result = 'not_running'
      round.reason = `tailscale is ${status.backendState}`
      this.#record(round.result, round.reason)
      return round
    }
    this.#record('ok')
    const targets = tailnetDialTargets(status, this.#port)
    await Promise.all(targets.map(async target => {
      if (this.#isConnected(target.ip)) {
        round.skipped.push(target.address)
        return
      }
      round.dialled.push(target.address)
      try {
        const signal = AbortSignal.any([shutdown, AbortSignal.timeout(this.#dialTimeoutMs)])
        const connection = await this.#c.libp2p.dial(multiaddr(target.address), { signal })
        const peer = connection.remotePeer.toString()
        this.#peerAt.set(target.ip, peer)
        round.connected.push(peer)
        this.#c.metrics.dials.inc({ source: 'tailscale', result: 'ok' })
        this.#log.debug({ host: target.hostName, address: target.address, peer }, 'connected to tailnet machine')
      } catch (err: unknown) {
        if (shutdown.aborted) return
        this.#c.metrics.dials.inc({ source: 'tailscale', result: 'error' })
        this.#log.debug({ host: target.hostName, address: target.address, err }, 'tailnet machine did not answer as artdag')
      }
    }))
    return round
  }

  #isConnected (ip: string): boolean {
    const open = this.#c.libp2p.getConnections().filter(c => c.status === 'open')
    const peer = this.#peerAt.get(ip)
    return open.some(c => c.remotePeer.toString() === peer || ipOf(c.remoteAddr.toString()) === ip)
  }

  #record (result: RoundResult, message?: string): void {
    this.#c.metrics.tailscaleRuns.inc({ result })
    if (result === 'ok') {
      if (this.#lastResult !== undefined && this.#lastResult !== 'ok') this.#log.info('tailscale status works again')
    } else if (result !== this.#lastResult) {
      this.#log.warn({ result, err: message }, 'tailscale discovery found no peers')
    } else {
      this.#log.debug({ result, err: message }, 'tailscale discovery found no peers')
    }
    this.#lastResult = result
  }
}

function ipOf (address: string): string | undefined {
  const parts = address.split('/')
  return parts[1] === 'ip4' || parts[1] === 'ip6' ? parts[2] : undefined
}
