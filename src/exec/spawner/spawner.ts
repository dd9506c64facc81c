import { systemScheduler } from '../../lifecycle/index.ts'
import type { AbortOptions, Scheduler, Startable, TimerHandle } from '../../lifecycle/index.ts'
import { SpawnerHelperError } from '../errors.ts'
import { EventEmitter } from 'node:events'
import { fork } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'
import type { ChildProcess } from 'node:child_process'
import type { Logger } from '../../log.ts'
import type { LaunchedChild, Launch } from '../launch.ts'
import type { HelperEvent, HelperRequest } from './messages.ts'
import { present } from '../../defined.ts'

const HELPER = new URL('./helper.mjs', import.meta.url)

/** The helper stops after this long without a child (5 min), so an idle daemon carries no second process. */
export const DEFAULT_SPAWNER_IDLE_MS = 300_000
/** The helper only relays a few bytes: a small heap, no JIT, no helper threads (46 MB RSS). */
const HELPER_V8_FLAGS = ['--max-semi-space-size=1', '--single-threaded', '--jitless']

export interface SpawnerInit {
  /** @default DEFAULT_SPAWNER_IDLE_MS */
  idleMs?: number
}

/** One stream of a relayed child: the part of a Readable that runProcess uses. */
class RelayedOutput extends EventEmitter {
  #decoder: StringDecoder | undefined

  setEncoding (encoding: BufferEncoding): this {
    this.#decoder = new StringDecoder(encoding)
    return this
  }

  push (data: Uint8Array): void {
    const chunk = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    this.emit('data', this.#decoder != null ? this.#decoder.write(chunk) : chunk)
  }

  end (): void {
    const rest = this.#decoder?.end()
    if (rest != null && rest !== '') this.emit('data', rest)
  }
}

class RelayedChild extends EventEmitter implements LaunchedChild {
  pid: number | undefined
  readonly stdout = new RelayedOutput()
  readonly stderr = new RelayedOutput()
  readonly #kill: (signal: NodeJS.Signals) => void

  constructor (kill: (signal: NodeJS.Signals) => void) {
    super()
    this.#kill = kill
  }

  kill (signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.#kill(signal)
    return true
  }
}

/**
 * Starts child processes through a helper process (src/exec/spawner/helper.mjs), so that
 * the fork happens there and not in the daemon, whose event loop it would block. The
 * helper starts with the first child and stops after `idleMs` without one, so an idle
 * daemon has no second process. If the helper dies, its children are reported killed
 * (the step fails and is retried) and the next launch starts a new helper.
 */
export class Spawner implements Startable {
  readonly #log: Logger
  readonly #idleMs: number
  /** Each child with the helper that runs it. */
  readonly #children = new Map<number, { child: RelayedChild, helper: ChildProcess }>()
  #helper: ChildProcess | undefined
  readonly #exited = new Set<Promise<void>>()
  #nextId = 1
  readonly #scheduler: Scheduler
  #idleTimer: TimerHandle | undefined

  constructor (components: { logger: Logger, scheduler?: Scheduler | undefined }, init: SpawnerInit = {}) {
    this.#log = components.logger.forComponent('artdag:spawner')
    this.#scheduler = components.scheduler ?? systemScheduler
    this.#idleMs = init.idleMs ?? DEFAULT_SPAWNER_IDLE_MS
  }

  /** The helper's pid while it runs (tests, diagnostics). */
  get helperPid (): number | undefined {
    return this.#helper?.pid
  }

  readonly launch: Launch = (file, args, options) => {
    const id = this.#nextId++
    this.#scheduler.clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
    const helper = this.#helper ?? this.#start()
    const child = new RelayedChild(signal => {
      this.#send(helper, { op: 'kill', id, signal })
    })
    this.#children.set(id, { child, helper })
    // After the caller attached its listeners, as with child_process.spawn.
    queueMicrotask(() => {
      this.#send(helper, { op: 'spawn', id, file, args, ...present({ cwd: options.cwd }) })
    })
    return child
  }

  /** Nothing to start: the helper starts with the first child (see the class). */
  async start (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
  }

  /** Stops the helper (it kills any child still running) and waits until every helper is gone. */
  async stop (): Promise<void> {
    this.#scheduler.clearTimeout(this.#idleTimer)
    this.#idleTimer = undefined
    this.#retire()
    await Promise.all(this.#exited)
  }

  /** Lets the current helper go: new launches start another; it exits once disconnected. */
  #retire (): void {
    const helper = this.#helper
    if (helper == null) return
    this.#helper = undefined
    if (helper.connected) helper.disconnect()
  }

  #send (helper: ChildProcess, request: HelperRequest): void {
    if (!helper.connected) return // its exit reports the child
    helper.send(request, (err: Error | null) => {
      if (err != null) this.#log.debug({ err }, 'spawner helper did not take a request')
    })
  }

  #start (): ChildProcess {
    const helper = fork(HELPER, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: HELPER_V8_FLAGS })
    this.#helper = helper
    helper.on('message', (event: HelperEvent) => {
      this.#relay(event)
    })
    helper.on('error', (err: unknown) => {
      this.#log.warn({ err }, 'spawner helper error')
    })
    const exited = new Promise<void>(resolve => {
      helper.once('exit', (code, signal) => {
        if (this.#helper === helper) {
          this.#helper = undefined
          this.#log.warn({ code, signal }, 'spawner helper exited; its children are reported killed')
        }
        for (const [id, entry] of this.#children) {
          if (entry.helper !== helper) continue
          this.#children.delete(id)
          const { child } = entry
          if (child.pid != null) {
            child.stdout.end()
            child.stderr.end()
            child.emit('close', null, 'SIGKILL')
          } else {
            child.emit('error', new SpawnerHelperError(`the spawner helper exited (${String(code ?? signal)})`, 'EHELPER'))
          }
        }
        this.#exited.delete(exited)
        resolve()
      })
    })
    this.#exited.add(exited)
    return helper
  }

  #relay (event: HelperEvent): void {
    const child = this.#children.get(event.id)?.child
    if (child == null) return
    switch (event.ev) {
      case 'spawn':
        child.pid = event.pid
        child.emit('spawn')
        break
      case 'stdout':
        child.stdout.push(event.data)
        break
      case 'stderr':
        child.stderr.push(event.data)
        break
      case 'error':
        if (child.pid == null) this.#forget(event.id)
        child.emit('error', new SpawnerHelperError(event.message, event.code ?? undefined))
        break
      case 'close':
        this.#forget(event.id)
        child.stdout.end()
        child.stderr.end()
        child.emit('close', event.code, event.signal)
        break
    }
  }

  #forget (id: number): void {
    this.#children.delete(id)
    if (this.#children.size > 0 || this.#helper == null) return
    this.#scheduler.clearTimeout(this.#idleTimer)
    this.#idleTimer = this.#scheduler.setTimeout(() => {
      if (this.#children.size === 0) this.#retire()
    }, this.#idleMs)
    // An idle wait must not keep a stopping daemon alive.
    this.#idleTimer.unref?.()
  }
}
