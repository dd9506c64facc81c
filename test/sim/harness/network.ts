import type { NetworkConfig } from './config.ts'
import type { EventQueue } from './event-queue.ts'
import type { Prng } from './prng.ts'
import type { SimNode } from './sim-node.ts'
import type { Truth } from './truth.ts'

/**
 * The simulated pubsub: every copy of a message to every node is lost (by
 * partition, a drop rule, loss, bursty loss, or a down recipient), delayed
 * (reordering follows), or duplicated on its own. Losses and late deliveries
 * (later than half the settle window either end uses then) are recorded
 * against the cache ids the message was about, for the duplicate-cause checks.
 */
export interface Cut {
  /** Partition group of each node. */
  groupOf: number[]
  /** Only messages leaving group 0 are lost. */
  oneWay: boolean
}

/** Messages of these kinds from these nodes to these nodes are lost (undefined: any). */
export interface DropRule {
  types: ReadonlySet<string> | undefined
  from: ReadonlySet<number> | undefined
  to: ReadonlySet<number> | undefined
}

export class SimNetwork {
  readonly #q: EventQueue
  readonly #truth: Truth
  readonly #rng: Prng
  readonly #config: NetworkConfig
  readonly #lateAfter: (from: SimNode, to: SimNode) => number
  /** Directed links in the bad state of the bursty-loss channel. */
  readonly #bad = new Set<string>()
  cut: Cut | undefined
  /** Active drop rules (faults.ts adds and removes them). */
  readonly drops = new Set<DropRule>()

  constructor (q: EventQueue, truth: Truth, rng: Prng, config: NetworkConfig, lateAfter: (from: SimNode, to: SimNode) => number) {
    this.#q = q
    this.#truth = truth
    this.#rng = rng
    this.#config = config
    this.#lateAfter = lateAfter
  }

  /** True when a message from `from` to `to` is cut off by the current partition. */
  blocked (from: SimNode, to: SimNode): boolean {
    const cut = this.cut
    if (cut === undefined) return false
    const a = cut.groupOf[from.index]
    const b = cut.groupOf[to.index]
    if (a === b) return false
    return !cut.oneWay || a === 0
  }

  /** True when a drop rule loses a message of `kind` from `from` to `to`. */
  dropped (from: SimNode, to: SimNode, kind: string): boolean {
    for (const rule of this.drops) {
      if ((rule.types === undefined || rule.types.has(kind)) && (rule.from === undefined || rule.from.has(from.index)) && (rule.to === undefined || rule.to.has(to.index))) return true
    }
    return false
  }

  /** `kind`: the message type, or `heartbeat`, `ping`, `job_submitted`. */
  send (from: SimNode, to: SimNode, kind: string, about: readonly string[], deliver: (to: SimNode) => void): void {
    const q = this.#q
    const truth = this.#truth
    truth.messagesSent += 1
    if (this.blocked(from, to) || this.dropped(from, to, kind) || this.#lost(from, to)) {
      truth.messagesDropped += 1
      truth.messageFault(about, q.now)
      return
    }
    const delay = this.#delay()
    if (delay > this.#lateAfter(from, to)) truth.messageFault(about, q.now)
    const arrive = (): void => {
      if (to.status === 'down') {
        truth.messageFault(about, q.now)
        return
      }
      deliver(to)
    }
    q.after(delay, arrive)
    if (this.#rng.chance(this.#config.dup)) q.after(delay + this.#delay(), arrive)
  }

  #lost (from: SimNode, to: SimNode): boolean {
    const net = this.#config
    const loss = this.#q.now < net.startupUntilMs ? Math.max(net.loss, net.startupLoss) : net.loss
    if (this.#rng.chance(loss)) return true
    const burst = net.burst
    if (burst === undefined) return false
    const link = `${from.index}>${to.index}`
    if (this.#bad.has(link)) {
      if (this.#rng.chance(burst.exit)) this.#bad.delete(link)
    } else if (this.#rng.chance(burst.enter)) {
      this.#bad.add(link)
    }
    return this.#bad.has(link) && this.#rng.chance(burst.loss)
  }

  #delay (): number {
    const net = this.#config
    if (this.#rng.chance(net.tailProb)) return this.#rng.range(net.maxDelayMs, net.tailMaxMs)
    return this.#rng.range(net.minDelayMs, net.maxDelayMs)
  }
}
