import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { artdag, BIN } from './cli.ts'
import type { CliResult } from './cli.ts'
import type { ChildProcess } from 'node:child_process'

/** Real `artdag daemon` processes in temporary homes, on loopback ports. */

/** Short timings so failure detection and registry publishing happen within a test's bounds. */
export const FAST_ENV: Record<string, string> = {
  ARTDAG_LOG__LEVEL: 'warn',
  ARTDAG_MEMBERSHIP__HEARTBEAT_INTERVAL_MS: '300',
  ARTDAG_MEMBERSHIP__SUSPECT_AFTER_MS: '1200',
  ARTDAG_MEMBERSHIP__DEAD_AFTER_MS: '3000',
  ARTDAG_REGISTRY__PUBLISH_INTERVAL_MS: '2000',
  // Any free port for the dashboard: several daemons share the machine.
  ARTDAG_UI__PORT: '0',
  // One member's word suffices in the protocol tests, which count every step's runs; the trust
  // tests (trust.test.ts) run the default, where a second member confirms each result.
  ARTDAG_TRUST__CONFIRMATIONS: '1'
}

export interface StartOptions {
  bootstrap?: string[]
  env?: Record<string, string>
  /** A fixed listen address; default a free loopback port. */
  listen?: string
  timeoutMs?: number
}

export class Daemon {
  readonly home: string
  readonly process: ChildProcess
  readonly peerId: string
  readonly addresses: string[]
  readonly socket: string
  /** The ready line the daemon printed (`artdag daemon --json`), as parsed. */
  readonly ready: Record<string, unknown>
  readonly env: Record<string, string>
  #stderr: string[]
  #exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>

  private constructor (home: string, child: ChildProcess, ready: { peer: string, addresses: string[], socket: string }, env: Record<string, string>, stderr: string[], exited: Daemon['exited']) {
    this.home = home
    this.process = child
    this.peerId = ready.peer
    this.addresses = ready.addresses
    this.socket = ready.socket
    this.ready = ready
    this.env = env
    this.#stderr = stderr
    this.#exited = exited
  }

  /** Starts `artdag daemon` and resolves once it has printed its ready line (every listener is up). */
  static async start (home: string, options: StartOptions = {}): Promise<Daemon> {
    const env = { ...FAST_ENV, ...options.env }
    const args = [BIN, 'daemon', '--home', home, '--json', '--listen', options.listen ?? '/ip4/127.0.0.1/tcp/0']
    for (const address of options.bootstrap ?? []) args.push('--bootstrap', address)
    const child = spawn(process.execPath, args, { env: { ...process.env, ARTDAG_HOME: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    const stderr: string[] = []
    createInterface({ input: child.stderr! }).on('line', line => {
      stderr.push(line)
      if (stderr.length > 200) stderr.shift()
    })
    const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => child.once('exit', (code, signal) => resolve({ code, signal })))
    const ready = await new Promise<{ peer: string, addresses: string[], socket: string }>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`daemon in ${home} not ready after ${options.timeoutMs ?? 60_000} ms:\n${stderr.join('\n')}`))
      }, options.timeoutMs ?? 60_000)
      createInterface({ input: child.stdout! }).on('line', line => {
        try {
          const parsed = JSON.parse(line) as { event?: string }
          if (parsed.event === 'ready') {
            clearTimeout(timer)
            resolve(parsed as never)
          }
        } catch { /* not the ready line */ }
      })
      void exited.then(({ code, signal }) => {
        clearTimeout(timer)
        reject(new Error(`daemon in ${home} exited (${String(code ?? signal)}) before it was ready:\n${stderr.join('\n')}`))
      })
    })
    return new Daemon(home, child, ready, env, stderr, exited)
  }

  get exited (): Promise<{ code: number | null, signal: NodeJS.Signals | null }> {
    return this.#exited
  }

  /** The daemon's recent stderr (its JSON log lines). */
  get logs (): string[] {
    return [...this.#stderr]
  }

  /** `artdag <args> --home <home>`. */
  cli (args: string[], options: { env?: Record<string, string>, cwd?: string } = {}): Promise<CliResult> {
    return artdag([...args, '--home', this.home], { env: { ...this.env, ...options.env }, cwd: options.cwd })
  }

  /** `artdag <args> --json`, parsed; throws with stderr when it fails. */
  // oxlint-disable-next-line typescript/no-explicit-any -- JSON of any shape, which the assertions check
  async json<T = any> (args: string[], options: { env?: Record<string, string>, cwd?: string } = {}): Promise<T> {
    const result = await this.cli([...args, '--json'], options)
    if (result.code !== 0) throw new Error(`artdag ${args.join(' ')} exited ${result.code}: ${result.stderr}`)
    return JSON.parse(result.stdout) as T
  }

  /** SIGTERM, then waits for the exit: the clean stop. */
  async stop (): Promise<{ code: number | null, signal: NodeJS.Signals | null }> {
    if (this.process.exitCode == null && this.process.signalCode == null) this.process.kill('SIGTERM')
    return await this.#exited
  }

  /** kill -9: the node dies mid-work, leaving its lock and socket behind. */
  async kill (): Promise<void> {
    this.process.kill('SIGKILL')
    await this.#exited
  }
}

/** Polls `check` until it returns a value (not undefined/false), within `timeoutMs`. A bound, not a wait. */
export async function eventually<T> (check: () => Promise<T | undefined | false>, options: { timeoutMs?: number, intervalMs?: number, what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (err: unknown) {
      last = err
    }
    await new Promise(resolve => setTimeout(resolve, options.intervalMs ?? 200))
  }
  throw new Error(`timed out waiting for ${options.what ?? 'a condition'}${last != null ? `: ${(last as Error).message}` : ''}`)
}

/** `artdag init` for a cluster: the first home makes the swarm key, the others share it. */
export async function initHomes (dir: string, names: string[]): Promise<string[]> {
  const homes = names.map(name => join(dir, name))
  for (const [i, home] of homes.entries()) {
    const args = ['init', '--home', home]
    if (i > 0) args.push('--swarm-key', join(homes[0] as string, 'swarm.key'))
    const result = await artdag(args)
    if (result.code !== 0) throw new Error(`init ${home}: ${result.stderr}`)
  }
  return homes
}

/**
 * Starts daemons on the homes; every one after the first bootstraps from the first only.
 * `nodeEnv` adds environment of one node's own (its index in `homes`).
 */
export async function startCluster (homes: string[], options: StartOptions & { nodeEnv?: (i: number) => Record<string, string> } = {}): Promise<Daemon[]> {
  const { nodeEnv, ...common } = options
  const optionsOf = (i: number): StartOptions => ({ ...common, env: { ...common.env, ...nodeEnv?.(i) } })
  const first = await Daemon.start(homes[0] as string, optionsOf(0))
  const rest = await Promise.all(homes.slice(1).map(async (home, i) => await Daemon.start(home, { ...optionsOf(i + 1), bootstrap: [first.addresses[0] as string] })))
  return [first, ...rest]
}

/** Waits until every daemon sees all the others alive. */
export async function waitForCluster (daemons: Daemon[], timeoutMs = 30_000): Promise<void> {
  for (const d of daemons) await eventually(async () => (await d.json(['status'])).membership.alive === daemons.length - 1, { timeoutMs, what: `a cluster of ${daemons.length}` })
}
