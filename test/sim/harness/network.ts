import type { NetworkConfig } from './config.ts'
import type { EventQueue } from './event-queue.ts'
import type { Prng } from './prng.ts'
import type { SimNode } from './sim-node.ts'
import type { Truth } from './truth.ts'

/**
 * The simulated pubsub: every copy of a message to every node is lost (by
 * partition, loss, or a down recipient), delayed (reordering follows), or
 * duplicated on its own. Losses and late deliveries are recorded against the
 * cache ids the message was about, for the duplicate-cause checks.
 */
export class SimNetwork {
  readonly #q: EventQueue
  readonly #truth: Truth
  readonly #rng: Prng
  readonly #config: NetworkConfig
  readonly #lateMs: number
  /** Partition group of each node, while a partition lasts. */
  groupOf: number[] | undefined

  constructor (q: EventQueue, truth: Truth, rng: Prng, config: NetworkConfig, lateMs: number) {
    this.#q = q
    this.#truth = truth
    this.#rng = rng
    this.#config = config
    this.#lateMs = lateMs
  }

  send (from: SimNode, to: SimNode, about: readonly string[], deliver: (to: SimNode) => void): void {
    const q = this.#q
    const truth = this.#truth
    const net = this.#config
    truth.messagesSent += 1
    if (this.groupOf !== undefined && this.groupOf[from.index] !== this.groupOf[to.index]) {
      truth.messagesDropped += 1
      truth.messageFault(about, q.now)
      return
    }
    const loss = q.now < net.startupUntilMs ? Math.max(net.loss, net.startupLoss) : net.loss
    if (this.#rng.chance(loss)) {
      truth.messagesDropped += 1
      truth.messageFault(about, q.now)
      return
    }
    const delay = this.#delay()
    if (delay > this.#lateMs) truth.messageFault(about, q.now)
    const arrive = (): void => {
      if (to.status === 'down') {
        truth.messageFault(about, q.now)
        return
      }
      deliver(to)
    }
    q.after(delay, arrive)
    if (this.#rng.chance(net.dup)) q.after(delay + this.#delay(), arrive)
  }

  #delay (): number {
    const net = this.#config
    if (this.#rng.chance(net.tailProb)) return this.#rng.range(net.maxDelayMs, net.tailMaxMs)
    return this.#rng.range(net.minDelayMs, net.maxDelayMs)
  }
}
