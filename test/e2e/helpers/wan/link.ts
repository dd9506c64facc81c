import { createServer } from 'node:net'
import { LinkConnection } from './connection.ts'
import { LinkPolicy, OUTSIDE } from './policy.ts'
import type { PairCounters } from './connection.ts'
import type { Holding, PairClock, Shape } from './policy.ts'
import type { Server } from 'node:net'

/**
 * A userspace wide-area link for a cluster of daemons on one machine. Each
 * node has its own loopback address (127.x.y.z): it listens privately, dials
 * from that address, and announces only the port the link opened for it. The
 * link knows the dialler of a connection from its source address and the
 * target from the port it was reached on, so it can delay, hold or reset the
 * traffic of every ordered pair of nodes.
 */

export interface LinkNode {
  name: string
  /** The address the node dials from (its `node.dialFrom`). */
  ip: string
  /** The node's private listen address. */
  target: { host: string, port: number }
}

export interface PairStats extends PairCounters {
  dialler: string
  target: string
  /** Bytes waiting in the link (held by a partition or not yet due). */
  queuedBytes: number
}

export interface LinkStats {
  nodes: Array<{ name: string, ip: string, port: number }>
  pairs: PairStats[]
  /** Ordered pairs a partition holds, as `from>to`. */
  held: string[]
}

export interface LinkInit {
  /** The address the link listens on and dials the nodes from. */
  host: string
  shape?: Partial<Shape> | undefined
  /** @default performance.now */
  now?: () => number
  /** @default Math.random */
  random?: () => number
}

export class Link {
  readonly host: string
  readonly #policy: LinkPolicy
  readonly #now: () => number
  readonly #random: () => number
  readonly #nodes = new Map<string, LinkNode & { port: number, server: Server }>()
  readonly #connections = new Set<LinkConnection>()
  readonly #counters = new Map<string, PairCounters>()
  readonly #pairClocks = new Map<string, PairClock>()

  constructor (init: LinkInit) {
    this.host = init.host
    this.#policy = new LinkPolicy(init.shape)
    this.#now = init.now ?? (() => performance.now())
    this.#random = init.random ?? Math.random
  }

  /** Opens the node's port on the link; connections to it go to the node's private address. */
  async addNode (node: LinkNode): Promise<{ port: number }> {
    if (this.#nodes.has(node.name) || node.name === OUTSIDE) throw new Error(`node name ${JSON.stringify(node.name)} is taken`)
    if ([...this.#nodes.values()].some(n => n.ip === node.ip)) throw new Error(`address ${node.ip} is already a node's`)
    const server = createServer({ allowHalfOpen: true, noDelay: true }, client => {
      const dialler = [...this.#nodes.values()].find(n => n.ip === client.remoteAddress)?.name ?? OUTSIDE
      const connection = new LinkConnection({
        dialler,
        target: node.name,
        client,
        upstream: { host: node.target.host, port: node.target.port, localAddress: this.host },
        policy: this.#policy,
        pairClock: (from, to) => this.#pairClock(from, to),
        counters: this.#countersOf(dialler, node.name),
        now: this.#now,
        random: this.#random,
        onClosed: c => {
          this.#connections.delete(c)
        }
      })
      this.#connections.add(connection)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, this.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    const port = (server.address() as { port: number }).port
    this.#nodes.set(node.name, { ...node, port, server })
    return { port }
  }

  /** Sets the shape of bytes from `from` to `to` (default `*`, any node). */
  setShape (shape: Shape, from = '*', to = '*'): void {
    this.#policy.setShape(shape, from, to)
  }

  /**
   * Holds the traffic between `nodes` and the other nodes, or only `others` (see
   * LinkPolicy.partition): the connections stay open, their bytes wait.
   */
  partition (nodes: string[], holding: Holding = 'both', others?: string[]): void {
    for (const name of [...nodes, ...others ?? []]) if (!this.#nodes.has(name)) throw new Error(`no node ${JSON.stringify(name)}`)
    this.#policy.partition(nodes, others ?? [...this.#nodes.keys(), OUTSIDE], holding)
    for (const c of this.#connections) c.applyPolicy()
  }

  /** Ends every partition: held bytes are delivered in order, one delay after now. */
  heal (): void {
    this.#policy.heal()
    for (const c of this.#connections) c.applyPolicy()
  }

  /** Resets every connection the node dialled or was dialled on. Returns how many. */
  cut (node: string): number {
    if (!this.#nodes.has(node)) throw new Error(`no node ${JSON.stringify(node)}`)
    const cut = [...this.#connections].filter(c => c.dialler === node || c.target === node)
    for (const c of cut) c.cut()
    return cut.length
  }

  stats (): LinkStats {
    const queued = new Map<string, number>()
    for (const c of this.#connections) queued.set(`${c.dialler}>${c.target}`, (queued.get(`${c.dialler}>${c.target}`) ?? 0) + c.queuedBytes)
    return {
      nodes: [...this.#nodes.values()].map(n => ({ name: n.name, ip: n.ip, port: n.port })),
      pairs: [...this.#counters.entries()].map(([key, counters]) => {
        const [dialler, target] = key.split('>') as [string, string]
        return { dialler, target, ...counters, queuedBytes: queued.get(key) ?? 0 }
      }),
      held: this.#policy.heldPairs()
    }
  }

  /** Closes every port and resets every connection. */
  async stop (): Promise<void> {
    for (const c of this.#connections) c.cut()
    await Promise.all([...this.#nodes.values()].map(async n =>
      await new Promise<void>(resolve => {
        n.server.close(() => {
          resolve()
        })
      })
    ))
    this.#nodes.clear()
  }

  #countersOf (dialler: string, target: string): PairCounters {
    const key = `${dialler}>${target}`
    let counters = this.#counters.get(key)
    if (counters == null) {
      counters = { connections: 0, open: 0, bytesFromDialler: 0, bytesFromTarget: 0 }
      this.#counters.set(key, counters)
    }
    return counters
  }

  #pairClock (from: string, to: string): PairClock {
    const key = `${from}>${to}`
    let clock = this.#pairClocks.get(key)
    if (clock == null) {
      clock = { busyUntil: 0 }
      this.#pairClocks.set(key, clock)
    }
    return clock
  }
}
