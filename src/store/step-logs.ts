import { Key } from 'interface-datastore'
import type { Datastore } from 'interface-datastore'
import { z } from 'zod'
import { signalOnly } from '../lifecycle/index.ts'
import { cacheIdString } from '../protocol/light/index.ts'
import type { AbortOptions } from './types.ts'
import { readIfPresent } from './datastore-read.ts'

/**
 * Where the log of a step's last run on this node is: `cache_id → { cid, ok,
 * at }`, one datastore key per step (`/artdag/step-logs/<cache_id>`, JSON).
 * The log itself (ffmpeg's whole stderr) is content, pinned as an
 * intermediate beside the step's output; `artdag logs JOB STEP` reads it.
 */
export const STEP_LOGS_PREFIX = '/artdag/step-logs'

export const stepLogEntrySchema = z.object({
  cacheId: z.string(),
  /** The log's CID. */
  cid: z.string(),
  /** Whether that run succeeded. */
  ok: z.boolean(),
  /** When it ended, ms since the epoch. */
  at: z.number().int().nonnegative()
})
export type StepLogEntry = z.infer<typeof stepLogEntrySchema>

export interface StepLogs {
  get: (cacheId: string, options?: AbortOptions) => Promise<StepLogEntry | undefined>
  put: (entry: StepLogEntry, options?: AbortOptions) => Promise<void>
}

const keyFor = (cacheId: string): Key => new Key(`${STEP_LOGS_PREFIX}/${cacheIdString.parse(cacheId)}`)

export class DatastoreStepLogs implements StepLogs {
  readonly #datastore: Datastore

  constructor (components: { datastore: Datastore }) {
    this.#datastore = components.datastore
  }

  async get (cacheId: string, options: AbortOptions = {}): Promise<StepLogEntry | undefined> {
    const bytes = await readIfPresent(this.#datastore, keyFor(cacheId), options)
    if (bytes === undefined) return undefined
    const parsed = stepLogEntrySchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)))
    return parsed.success ? parsed.data : undefined
  }

  async put (entry: StepLogEntry, options: AbortOptions = {}): Promise<void> {
    await this.#datastore.put(keyFor(entry.cacheId), new TextEncoder().encode(JSON.stringify(stepLogEntrySchema.parse(entry))), signalOnly(options))
  }
}
