import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { LinkCommand, LinkReply } from './control.ts'
import type { LinkNode, LinkStats } from './link.ts'
import type { Holding, Shape } from './policy.ts'
import type { ChildProcess } from 'node:child_process'

/** The test's handle on a link process (link-process.ts): every command answers within a bound. */

const LINK_PROCESS = fileURLToPath(new URL('./link-process.ts', import.meta.url))
const COMMAND_TIMEOUT_MS = 10_000

type Command = LinkCommand extends infer C ? C extends { id: number } ? Omit<C, 'id'> : never : never

export class WanLink {
  readonly host: string
  readonly process: ChildProcess
  readonly #pending = new Map<number, { resolve: (result: unknown) => void, reject: (err: Error) => void, timer: NodeJS.Timeout }>()
  readonly #exited: Promise<void>
  #nextId = 1

  private constructor (host: string, child: ChildProcess, exited: Promise<void>, onReady: () => void) {
    this.host = host
    this.process = child
    this.#exited = exited
    void exited.then(() => {
      for (const [id, pending] of this.#pending) {
        this.#pending.delete(id)
        clearTimeout(pending.timer)
        pending.reject(new Error('link: the process exited'))
      }
    })
    createInterface({ input: child.stdout! }).on('line', line => {
      let reply: LinkReply | { event: string }
      try {
        reply = JSON.parse(line) as LinkReply | { event: string }
      } catch {
        return
      }
      if ('event' in reply) {
        if (reply.event === 'ready') onReady()
        return
      }
      const pending = this.#pending.get(reply.id)
      if (pending == null) return
      this.#pending.delete(reply.id)
      clearTimeout(pending.timer)
      if (reply.ok) pending.resolve(reply.result)
      else pending.reject(new Error(`link: ${reply.error}`))
    })
  }

  /** Starts a link process listening on `host` (a loopback address of its own), ready for nodes. */
  static async start (init: { host: string, shape?: Partial<Shape> }, options: { timeoutMs?: number } = {}): Promise<WanLink> {
    const timeoutMs = options.timeoutMs ?? 30_000
    const child = spawn(process.execPath, [LINK_PROCESS, JSON.stringify(init)], { stdio: ['pipe', 'pipe', 'pipe'] })
    const stderr: string[] = []
    createInterface({ input: child.stderr! }).on('line', line => {
      stderr.push(line)
    })
    const exited = new Promise<void>(resolve =>
      child.once('exit', () => {
        resolve()
      })
    )
    const ready = Promise.withResolvers<void>()
    const link = new WanLink(init.host, child, exited, ready.resolve)
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      ready.reject(new Error(`the link process was not ready within ${timeoutMs} ms:\n${stderr.join('\n')}`))
    }, timeoutMs)
    void exited.then(() => {
      ready.reject(new Error(`the link process exited:\n${stderr.join('\n')}`))
    })
    try {
      await ready.promise
    } finally {
      clearTimeout(timer)
    }
    return link
  }

  /** Opens a port for the node; returns the multiaddr (without /p2p/) the node announces. */
  async addNode (node: LinkNode): Promise<{ port: number, address: string }> {
    const { port } = await this.#send({ op: 'add', ...node }) as { port: number }
    return { port, address: `/ip4/${this.host}/tcp/${port}` }
  }

  /** Sets the shape from `from` to `to` (default every direction). */
  async setShape (shape: Partial<Shape>, pair: { from?: string, to?: string } = {}): Promise<void> {
    await this.#send({ op: 'shape', shape: { oneWayMs: 0, jitterMs: 0, bytesPerSecond: null, ...shape }, ...pair })
  }

  /**
   * Holds bytes between `nodes` and the rest (or only `others`): `both` ways, or only what they
   * send (`out`) or receive (`in`). Connections stay open and silent, as on a lost route.
   */
  async partition (nodes: string[], holding: Holding = 'both', others?: string[]): Promise<void> {
    await this.#send({ op: 'partition', nodes, holding, ...(others === undefined ? {} : { others }) })
  }

  async heal (): Promise<void> {
    await this.#send({ op: 'heal' })
  }

  /** Resets every connection of the node; returns how many were cut. */
  async cut (node: string): Promise<number> {
    return (await this.#send({ op: 'cut', node }) as { connections: number }).connections
  }

  async stats (): Promise<LinkStats> {
    return await this.#send({ op: 'stats' }) as LinkStats
  }

  /** Resets every connection and ends the process. */
  async stop (): Promise<void> {
    if (this.process.exitCode != null || this.process.signalCode != null) return
    await this.#send({ op: 'stop' }).catch(() => {
      this.process.kill('SIGKILL')
    })
    await this.#exited
  }

  async #send (command: Command): Promise<unknown> {
    const id = this.#nextId++
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        reject(new Error(`link: no answer to ${command.op} within ${COMMAND_TIMEOUT_MS} ms`))
      }, COMMAND_TIMEOUT_MS)
      this.#pending.set(id, { resolve, reject, timer })
      this.process.stdin!.write(`${JSON.stringify({ id, ...command })}\n`)
    })
  }
}
