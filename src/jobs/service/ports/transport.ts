import { leaseCodec } from '../../../protocol/index.ts'
import { submitCodec, updatesCodec } from '../../../protocol/index.ts'
import { resultsCodec } from '../../../protocol/index.ts'
import type { Logger } from '../../../log.ts'
import type { MembershipService } from '../../../membership/index.ts'
import type { ValidatedTopic } from '../../../membership/index.ts'
import type { JobSubmittedMessage, UpdatesMessage } from '../../../protocol/index.ts'
import type { LeaseMessage } from '../../../protocol/index.ts'
import type { ResultReadyMessage } from '../../../protocol/index.ts'
import type { CoordinatorMessage } from '../../core/effects.ts'
import type { TransportPort } from '../../driver/ports.ts'

export interface JobTopicsComponents {
  membership: Pick<MembershipService, 'memberOnlyTopic'>
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
  readonly #log: Logger
  readonly #submit: ValidatedTopic<JobSubmittedMessage>
  readonly #updates: ValidatedTopic<UpdatesMessage>
  readonly #leases: ValidatedTopic<LeaseMessage>
  readonly #results: ValidatedTopic<ResultReadyMessage>

  constructor (components: JobTopicsComponents, init: JobTopicsInit) {
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
      onMessage: m => {
        components.onCoordinatorMessage(m)
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
      else await this.#updates.publish(message as UpdatesMessage)
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

  #all (): Array<{ start: () => void, stop: () => void }> {
    return [this.#submit, this.#updates, this.#leases, this.#results]
  }
}
