import { failureStatement, leaseCodec, resultStatement, resultsCodec, signStatement, submitCodec, updatesCodec, verifyStatement } from '../../../protocol/index.ts'
import type { Logger } from '../../../log.ts'
import type { MembershipService } from '../../../membership/index.ts'
import type { ValidatedTopic } from '../../../membership/index.ts'
import type { JobSubmittedMessage, UpdatesMessage } from '../../../protocol/index.ts'
import type { LeaseMessage } from '../../../protocol/index.ts'
import type { ResultReadyMessage } from '../../../protocol/index.ts'
import type { CoordinatorMessage } from '../../core/effects.ts'
import type { TransportPort } from '../../driver/ports.ts'
import type { PrivateKey } from '@libp2p/interface'

export interface JobTopicsComponents {
  membership: Pick<MembershipService, 'memberOnlyTopic'>
  /** Signs this node's own statements (attestations, failures) as they go out. */
  privateKey: PrivateKey
  self: string
  /** Counts the statements dropped for a signature that is not their author's, by kind. */
  onForged?: ((kind: 'attestation' | 'failure', count: number) => void) | undefined
  logger: Logger
  onJob: (message: JobSubmittedMessage) => Promise<void>
  onCoordinatorMessage: (message: CoordinatorMessage) => void
  onResultReady: (message: ResultReadyMessage) => Promise<void>
}

export interface JobTopicsInit {
  topics: { submit: string, updates: string, leases: string, results: string }
}

/**
 * The job service's four gossipsub topics, each with its codec and its
 * author check (the author a message names must be its signed publisher, a
 * member): submissions, updates (results, failures, cancels), leases, and
 * pinned results. The coordinator's messages go to leases or updates by type.
 */
export class JobTopics implements TransportPort {
  readonly #c: JobTopicsComponents
  readonly #log: Logger
  readonly #submit: ValidatedTopic<JobSubmittedMessage>
  readonly #updates: ValidatedTopic<UpdatesMessage>
  readonly #leases: ValidatedTopic<LeaseMessage>
  readonly #results: ValidatedTopic<ResultReadyMessage>

  constructor (components: JobTopicsComponents, init: JobTopicsInit) {
    this.#c = components
    this.#log = components.logger.forComponent('artdag:jobs:topics')
    const { membership } = components
    this.#submit = membership.memberOnlyTopic<JobSubmittedMessage>({
      topic: init.topics.submit,
      codec: submitCodec,
      authorOf: m => m.submitter,
      onMessage: async m => {
        await components.onJob(m)
      }
    })
    this.#updates = membership.memberOnlyTopic<UpdatesMessage>({
      topic: init.topics.updates,
      codec: updatesCodec,
      authorOf: m => m.type === 'job_cancelled' ? m.by : m.sender,
      onMessage: async m => {
        const checked = await this.#checkStatements(m)
        if (checked !== undefined) components.onCoordinatorMessage(checked)
      }
    })
    this.#leases = membership.memberOnlyTopic<LeaseMessage>({
      topic: init.topics.leases,
      codec: leaseCodec,
      authorOf: m => m.type === 'lease_state' ? m.sender : m.holder,
      onMessage: m => {
        components.onCoordinatorMessage(m)
      }
    })
    this.#results = membership.memberOnlyTopic<ResultReadyMessage>({
      topic: init.topics.results,
      codec: resultsCodec,
      authorOf: m => m.pinnedBy,
      onMessage: async m => {
        await components.onResultReady(m)
      }
    })
  }

  start (): void {
    for (const topic of this.#all()) topic.start()
  }

  stop (): void {
    for (const topic of this.#all()) topic.stop()
  }

  async publish (message: CoordinatorMessage): Promise<void> {
    try {
      if (message.type.startsWith('lease_')) await this.#leases.publish(message as LeaseMessage)
      else await this.#updates.publish(await this.#signStatements(message as UpdatesMessage))
    } catch (err: unknown) {
      // Pubsub is best effort and the protocol repairs losses (anti-entropy): a failed publish is a lost message.
      this.#log.warn({ type: message.type, err }, 'publish failed')
    }
  }

  async publishJob (message: JobSubmittedMessage): Promise<void> {
    await this.#submit.publish(message)
  }

  async publishResult (message: ResultReadyMessage): Promise<void> {
    await this.#results.publish(message)
  }

  /**
   * This node's own statements go out signed (Ed25519 signatures are deterministic: a re-sent
   * result carries the same bytes); others' keep the signatures they came with.
   */
  async #signStatements (message: UpdatesMessage): Promise<UpdatesMessage> {
    const { privateKey, self } = this.#c
    if (message.type === 'step_completed') {
      const attestations = await Promise.all(message.attestations.map(async a => a.peer === self && a.sig === undefined ? { ...a, sig: await signStatement(privateKey, resultStatement(message.cacheId, message.cid, a.epoch)) } : a))
      return { ...message, attestations }
    }
    if (message.type === 'step_failed') {
      const failures = await Promise.all(message.failures.map(async f => f.holder === self && f.sig === undefined ? { ...f, sig: await signStatement(privateKey, failureStatement(message.cacheId, f.epoch)) } : f))
      return { ...message, failures }
    }
    return message
  }

  /**
   * The statements another member relays must be their authors' own: an
   * attestation or a failure whose signature does not check is dropped (and
   * counted); a result left with no attestation, or a failure report whose own
   * failure is not signed by its holder, is dropped whole.
   */
  async #checkStatements (message: UpdatesMessage): Promise<UpdatesMessage | undefined> {
    if (message.type === 'step_completed') {
      const valid = await Promise.all(message.attestations.map(async a => await verifyStatement(a.peer, resultStatement(message.cacheId, message.cid, a.epoch), a.sig)))
      const attestations = message.attestations.filter((_, i) => valid[i] === true)
      if (attestations.length < message.attestations.length) this.#c.onForged?.('attestation', message.attestations.length - attestations.length)
      return attestations.length === 0 ? undefined : { ...message, attestations }
    }
    if (message.type === 'step_failed') {
      const valid = await Promise.all(message.failures.map(async f => await verifyStatement(f.holder, failureStatement(message.cacheId, f.epoch), f.sig)))
      const failures = message.failures.filter((_, i) => valid[i] === true)
      if (failures.length < message.failures.length) this.#c.onForged?.('failure', message.failures.length - failures.length)
      if (!failures.some(f => f.holder === message.holder && f.epoch === message.epoch)) return undefined
      return { ...message, failures }
    }
    return message
  }

  #all (): Array<{ start: () => void, stop: () => void }> {
    return [this.#submit, this.#updates, this.#leases, this.#results]
  }
}
