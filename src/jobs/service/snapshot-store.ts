import { Key } from 'interface-datastore'
import { errorName } from '../../errors.ts'
import { systemScheduler } from '../../lifecycle/index.ts'
import type { Scheduler, TimerHandle } from '../../lifecycle/index.ts'
import type { Logger } from '../../log.ts'
import type { Datastore } from 'interface-datastore'

const SNAPSHOT_KEY = new Key('/artdag/jobs/coordinator')
/** Saves after a burst of changes, at most this long after the first. */
const SAVE_DELAY_MS = 200

/**
 * The coordinator's snapshot in the node's datastore, so jobs and their state
 * survive a restart. Saves are debounced; `saveNow()` is for the moments that
 * must not be lost (a job just accepted from the user), `flush()` for stop.
 */
export class SnapshotStore {
  readonly #datastore: Datastore
  readonly #snapshot: () => unknown
  readonly #log: Logger
  readonly #scheduler: Scheduler
  #timer: TimerHandle | undefined
  #saving: Promise<void> = Promise.resolve()
  /** The save that has not started yet, which new callers join. */
  #next: Promise<void> | undefined

  constructor (datastore: Datastore, snapshot: () => unknown, logger: Logger, scheduler: Scheduler = systemScheduler) {
    this.#scheduler = scheduler
    this.#datastore = datastore
    this.#snapshot = snapshot
    this.#log = logger.forComponent('artdag:jobs')
  }

  async load (): Promise<unknown> {
    try {
      return JSON.parse(new TextDecoder().decode(await this.#datastore.get(SNAPSHOT_KEY)))
    } catch (err: unknown) {
      if (errorName(err) === 'NotFoundError') return undefined
      // A damaged snapshot must not keep the daemon from starting: jobs are lost, not the node.
      this.#log.error({ err }, 'cannot read the saved job state; starting without it')
      return undefined
    }
  }

  schedule (): void {
    this.#timer ??= this.#scheduler.setTimeout(() => {
      this.#timer = undefined
      // saveNow() logs its own failure and never rejects.
      void this.saveNow()
    }, SAVE_DELAY_MS)
  }

  /**
   * Saves the state as it is when the write starts. Calls made while a write is under way share
   * the next one (it starts after theirs began, so it holds their changes): a burst of 60
   * submissions writes a few snapshots, not 60 ever larger ones, one after another.
   */
  async saveNow (): Promise<void> {
    if (this.#timer != null) {
      this.#scheduler.clearTimeout(this.#timer)
      this.#timer = undefined
    }
    this.#next ??= this.#saving.then(async () => {
      this.#next = undefined
      const bytes = new TextEncoder().encode(JSON.stringify(this.#snapshot()))
      await this.#datastore.put(SNAPSHOT_KEY, bytes)
    }).catch((err: unknown) => {
      this.#log.error({ err }, 'cannot save the job state')
    })
    // Saves run one after another, so an older snapshot never lands after a newer one.
    this.#saving = this.#next
    await this.#saving
  }

  async flush (): Promise<void> {
    if (this.#timer != null) await this.saveNow()
    await this.#saving
  }
}
