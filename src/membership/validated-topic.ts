import { isNoPeersError, TopicValidatorResult } from './pubsub.ts'
import { errorMessage } from '../errors.ts'
import type { MembershipMetrics, RejectReason } from './metrics.ts'
import type { PubSub, PubSubMessage } from './pubsub.ts'
import type { AbortOptions, Startable } from '../lifecycle/index.ts'
import type { Logger } from '../log.ts'
import type { Codec } from '../protocol/index.ts'

/**
 * A gossipsub topic with one validation path for every artdag message. The
 * validator runs before gossipsub delivers or forwards a message, so a message
 * it refuses goes no further. It refuses (and counts, by reason):
 * - `unsigned`: no signed publisher (gossipsub's StrictSign should already stop these);
 * - `oversize`: over the codec's byte limit, refused before parsing;
 * - `malformed`: not UTF-8 JSON, another protocol version, or not the schema;
 * - `forged`: the author the message names is not its signed publisher;
 * - what the topic's own `check` finds (heartbeats: `bad_signature`, `future`);
 * - `not_member`: the signed publisher is not a member (topics other than heartbeats).
 * Forgeries and malformed messages are `Reject` (gossipsub penalises the
 * sender); a non-member's message is `Ignore`d, since it may be a node whose
 * first heartbeat has not reached us yet. The validator never throws.
 */
export interface ValidatedTopicInit<T> {
  topic: string
  codec: Codec<T>
  /** The peer id the message claims as its author; it must be the signed publisher. */
  authorOf?: (message: T) => string | undefined
  /**
   * The topic's own checks after the schema and the author: a refusal is counted under its
   * reason, and the message goes no further. `reject` lowers the sender's gossipsub score, so
   * only what every honest node decides alike may reject (a signature, a schema): an honest
   * relay forwards what it accepted, and is penalised for whatever we reject of it. A check
   * that depends on this node's own view or clock must `ignore`, or nodes whose views differ
   * score each other down and the mesh partitions.
   */
  check?: (message: T, from: string) => TopicRefusal | undefined
  /**
   * Accept only messages whose signed publisher passes (Ignore otherwise). Member-only topics pass
   * `isMember`; the heartbeat topic (heartbeats are how members join) passes nothing, or
   * `membership.allowPeers` when that is set.
   */
  isMember?: (peerId: string) => boolean
  /**
   * Called for each accepted message, with its author and `source`, the peer it came from
   * (gossipsub's propagation source). Errors and rejections are caught, logged and counted.
   */
  onMessage?: (message: T, from: string, source: string) => void | Promise<void>
  /**
   * Whether gossipsub should forward an accepted message (with `onMessage` only). When it
   * answers false the validator hands the message to `onMessage` itself and returns Ignore:
   * gossipsub then neither forwards nor emits it, keeps it in its seen cache (a later copy is
   * a duplicate), and does not score the sender for it (docs/PROTOCOL.md "Heartbeat
   * forwarding"). Counted in `messagesNotForwarded`, not as a refusal. If it throws, the
   * message is accepted and forwarded.
   */
  forward?: (message: T, from: string, source: string) => boolean
  /**
   * Called for each message delivered to `onMessage` and each one published (member-only
   * topics: work arrived, so the heartbeat returns to its configured interval).
   */
  onActivity?: () => void
}

export interface ValidatedTopicComponents {
  pubsub: PubSub
  metrics: MembershipMetrics
  logger: Logger
}

export type PublishOutcome = 'sent' | 'no_peers'

/** What a topic's own check refuses, and how: `reject` penalises the sender, `ignore` does not. */
export interface TopicRefusal {
  reason: RejectReason
  result: 'reject' | 'ignore'
}

export class ValidatedTopic<T> implements Startable {
  readonly topic: string
  readonly #pubsub: PubSub
  readonly #metrics: MembershipMetrics
  readonly #log: Logger
  readonly #init: ValidatedTopicInit<T>
  readonly #decoded = new WeakMap<PubSubMessage, { message: T, source: string | undefined }>()
  readonly #validator = (source: { toString: () => string } | undefined, msg: PubSubMessage): TopicValidatorResult => this.validate(msg, source?.toString())
  readonly #onMessage = (event: CustomEvent<PubSubMessage>): void => {
    this.#handle(event.detail)
  }
  #started = false

  constructor (components: ValidatedTopicComponents, init: ValidatedTopicInit<T>) {
    this.topic = init.topic
    this.#pubsub = components.pubsub
    this.#metrics = components.metrics
    this.#log = components.logger.forComponent('artdag:pubsub')
    this.#init = init
  }

  /** Registers the validator and subscribes; synchronous in effect (callers that do not await it see it done). */
  async start (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    if (this.#started) return
    this.#pubsub.topicValidators.set(this.topic, this.#validator)
    if (this.#init.onMessage !== undefined) {
      this.#pubsub.addEventListener('message', this.#onMessage)
      this.#pubsub.subscribe(this.topic)
    }
    this.#started = true
  }

  async stop (): Promise<void> {
    if (!this.#started) return
    this.#started = false
    if (this.#init.onMessage !== undefined) {
      this.#pubsub.removeEventListener('message', this.#onMessage)
      try {
        this.#pubsub.unsubscribe(this.topic)
      } catch (err: unknown) {
        // gossipsub refuses once it has stopped; nothing is left to undo then.
        this.#log.debug({ topic: this.topic, err }, 'unsubscribe failed')
      }
    }
    if (this.#pubsub.topicValidators.get(this.topic) === this.#validator) {
      this.#pubsub.topicValidators.delete(this.topic)
    }
  }

  /**
   * The decision for one message; gossipsub calls it through the topic validator, with the
   * peer it came from (`source`).
   */
  validate (msg: PubSubMessage, source?: string): TopicValidatorResult {
    try {
      if (msg.type !== 'signed') return this.#refuse('unsigned', TopicValidatorResult.Reject)
      if (msg.data.byteLength > this.#init.codec.maxBytes) {
        return this.#refuse('oversize', TopicValidatorResult.Reject, msg.from.toString(), `${msg.data.byteLength} bytes`)
      }
      let message: T
      try {
        message = this.#init.codec.decode(msg.data)
      } catch (err: unknown) {
        return this.#refuse('malformed', TopicValidatorResult.Reject, msg.from.toString(), errorMessage(err))
      }
      const from = msg.from.toString()
      const author = this.#init.authorOf?.(message)
      if (author !== undefined && author !== from) {
        return this.#refuse('forged', TopicValidatorResult.Reject, from, `claims to be from ${author}`)
      }
      const refusal = this.#init.check?.(message, from)
      if (refusal !== undefined) {
        return this.#refuse(refusal.reason, refusal.result === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore, from)
      }
      if (this.#init.isMember !== undefined && !this.#init.isMember(from)) {
        return this.#refuse('not_member', TopicValidatorResult.Ignore, from)
      }
      if (source !== undefined && !this.#forwards(message, from, source)) {
        // Delivered here, not forwarded: gossipsub does neither after an Ignore.
        this.#metrics.messagesNotForwarded.inc({ topic: this.topic })
        this.#deliver(message, from, source)
        return TopicValidatorResult.Ignore
      }
      this.#decoded.set(msg, { message, source })
      return TopicValidatorResult.Accept
    } catch (err: unknown) {
      // A bug in authorOf or isMember must not take the node down or let the message through.
      this.#log.error({ topic: this.topic, err }, 'topic validator failed')
      return TopicValidatorResult.Ignore
    }
  }

  /** The decoded form of a message this validator accepted. */
  decoded (msg: PubSubMessage): T | undefined {
    return this.#decoded.get(msg)?.message
  }

  /** Encodes with the codec (refusing an invalid message) and publishes. */
  async publish (message: T): Promise<PublishOutcome> {
    const bytes = this.#init.codec.encode(message)
    this.#init.onActivity?.()
    try {
      const { recipients } = await this.#pubsub.publish(this.topic, bytes)
      return recipients.length > 0 ? 'sent' : 'no_peers'
    } catch (err: unknown) {
      if (isNoPeersError(err)) return 'no_peers'
      throw err
    }
  }

  #refuse (reason: RejectReason, result: TopicValidatorResult, from?: string, detail?: string): TopicValidatorResult {
    this.#metrics.messagesRejected.inc({ topic: this.topic, reason })
    this.#log.debug({ topic: this.topic, reason, from, detail }, 'message refused')
    return result
  }

  /** Whether gossipsub should forward an accepted message: always, unless the topic's `forward` says no. */
  #forwards (message: T, from: string, source: string): boolean {
    const { forward, onMessage } = this.#init
    if (forward === undefined || onMessage === undefined) return true
    try {
      return forward(message, from, source)
    } catch (err: unknown) {
      this.#log.error({ topic: this.topic, from, err }, 'forwarding decision failed; forwarding')
      return true
    }
  }

  #handle (msg: PubSubMessage): void {
    if (msg.topic !== this.topic || msg.type !== 'signed') return
    const decoded = this.#decoded.get(msg)
    if (decoded === undefined) return // not validated by us: never deliver unchecked data
    this.#deliver(decoded.message, msg.from.toString(), decoded.source ?? msg.from.toString())
  }

  #deliver (message: T, from: string, source: string): void {
    const fail = (err: unknown): void => {
      this.#metrics.handlerErrors.inc({ topic: this.topic })
      this.#log.error({ topic: this.topic, from, err }, 'message handler failed')
    }
    try {
      this.#init.onActivity?.()
      const result = this.#init.onMessage?.(message, from, source)
      if (result instanceof Promise) result.catch(fail)
    } catch (err: unknown) {
      fail(err)
    }
  }
}

/**
 * Registers the member-only validator on a topic (and, with `onMessage`, the
 * subscription): what every artdag topic other than heartbeats uses. Call
 * `start()` to install it and `stop()` to remove it.
 */
export function memberOnlyTopic<T> (
  components: ValidatedTopicComponents & { isMember: (peerId: string) => boolean },
  init: Omit<ValidatedTopicInit<T>, 'isMember'>
): ValidatedTopic<T> {
  return new ValidatedTopic(components, { ...init, isMember: components.isMember })
}
