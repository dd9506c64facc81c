import { Key } from 'interface-datastore'
import { errorName } from '../../errors.ts'
import { systemScheduler } from '../../lifecycle/index.ts'
import type { Scheduler, TimerHandle } from '../../lifecycle/index.ts'
import type { Logger } from '../../log.ts'
import { joinEntries, markSaved, readEntry, SnapshotMarks, staleMarks } from '../core/snapshot-layout.ts'
import type { SnapshotChanges, SnapshotEntry } from '../core/snapshot-layout.ts'
import type { Datastore } from 'interface-datastore'

/** Layout 1: the whole snapshot as one value (read once on upgrade, then deleted). */
const LEGACY_KEY = new Key('/artdag/jobs/coordinator')
/** Layout 2 (SNAPSHOT_VERSION): one value per entry under this prefix, e.g. `/artdag/jobs/v2/job/<jobId>`. */
const ENTRY_PREFIX = '/artdag/jobs/v2/'
/** Saves after a burst of changes, at most this long after the first. */
const SAVE_DELAY_MS = 200

/** Where the store gets what to save: the coordinator (through its driver). */
export interface SnapshotSource {
  /** This node's id: the snapshot's owner when its node entry was lost. */
  readonly self: string
  changes: (since: SnapshotMarks) => SnapshotChanges
}

/**
 * The coordinator's snapshot in the node's datastore, so jobs and their state
 * survive a restart. Saves are debounced; `saveNow()` is for the moments that
 * must not be lost (a job just accepted from the user), `flush()` for stop.
 *
 * A save writes the entries that changed since the last save that landed (snapshot-layout.ts), in
 * one datastore batch: LevelDB applies a batch whole or not at all, so a process that dies while
 * saving leaves the previous save's state, complete. Saves run one after another and each compares
 * with what the store holds, so every landed save holds the state as it was when it began: epochs
 * on disk only grow, as they do in the coordinator.
 */
export class SnapshotStore {
  readonly #datastore: Datastore
  readonly #source: SnapshotSource
  readonly #log: Logger
  readonly #scheduler: Scheduler
  #timer: TimerHandle | undefined
  #saving: Promise<void> = Promise.resolve()
  /** The save that has not started yet, which new callers join. */
  #next: Promise<void> | undefined
  /** What the stored entries were saved from. */
  #marks = new SnapshotMarks()
  /** The layout-1 value is still stored: the next save deletes it (in its batch). */
  #legacy = false

  constructor (datastore: Datastore, source: SnapshotSource, logger: Logger, scheduler: Scheduler = systemScheduler) {
    this.#scheduler = scheduler
    this.#datastore = datastore
    this.#source = source
    this.#log = logger.forComponent('artdag:jobs')
  }

  /**
   * The saved snapshot as one value (for `restore`), or undefined when there is none. A damaged
   * entry loses its job (or its step's facts), not the others. After a load, the first save rewrites
   * every entry and deletes those the restored state no longer has (damaged ones, the layout-1 value).
   */
  async load (): Promise<unknown> {
    const legacy = await this.#readLegacy()
    const names: string[] = []
    const entries: SnapshotEntry[] = []
    for await (const { key, value } of this.#datastore.query({ prefix: ENTRY_PREFIX })) {
      const name = key.toString().slice(ENTRY_PREFIX.length)
      names.push(name)
      try {
        entries.push(readEntry(name, JSON.parse(new TextDecoder().decode(value))))
      } catch (err: unknown) {
        this.#log.error({ err, key: key.toString() }, 'cannot read a saved job state entry; starting without it')
      }
    }
    this.#marks = staleMarks(names)
    // A layout-1 value is newer than entries beside it (an older version ran on this home since).
    if (legacy !== 'absent') return legacy === 'damaged' ? undefined : legacy.value
    return names.length === 0 ? undefined : joinEntries(entries, this.#source.self)
  }

  async #readLegacy (): Promise<'absent' | 'damaged' | { value: unknown }> {
    try {
      const bytes = await this.#datastore.get(LEGACY_KEY)
      this.#legacy = true
      return { value: JSON.parse(new TextDecoder().decode(bytes)) }
    } catch (err: unknown) {
      if (errorName(err) === 'NotFoundError') return 'absent'
      // A damaged snapshot must not keep the daemon from starting: jobs are lost, not the node.
      this.#legacy = true
      this.#log.error({ err, key: LEGACY_KEY.toString() }, 'cannot read the saved job state; starting without it')
      return 'damaged'
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
   * submissions writes a few batches, not 60, one after another.
   */
  async saveNow (): Promise<void> {
    if (this.#timer != null) {
      this.#scheduler.clearTimeout(this.#timer)
      this.#timer = undefined
    }
    this.#next ??= this.#saving.then(async () => {
      this.#next = undefined
      await this.#write()
    }).catch((err: unknown) => {
      // The marks stay those of the last landed save: the next save writes these changes again.
      this.#log.error({ err }, 'cannot save the job state')
    })
    // Saves run one after another, so an older snapshot never lands after a newer one.
    this.#saving = this.#next
    await this.#saving
  }

  async #write (): Promise<void> {
    const changes = this.#source.changes(this.#marks)
    const { entries } = changes
    if (entries.length > 0 || this.#legacy) {
      const batch = this.#datastore.batch()
      const encoder = new TextEncoder()
      for (const { name, value } of entries) {
        const key = new Key(ENTRY_PREFIX + name)
        if (value === undefined) batch.delete(key)
        else batch.put(key, encoder.encode(JSON.stringify(value)))
      }
      if (this.#legacy) batch.delete(LEGACY_KEY)
      await batch.commit()
      this.#legacy = false
    }
    markSaved(this.#marks, changes)
  }

  async flush (): Promise<void> {
    if (this.#timer != null) await this.saveNow()
    await this.#saving
  }
}
