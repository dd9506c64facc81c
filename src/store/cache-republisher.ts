import { ComponentRun } from '../lifecycle/index.ts'
import type { Scheduler, Startable } from '../lifecycle/index.ts'
import { isPublishable, putCacheRecord } from './cache-records.ts'
import { DEFAULT_REPUBLISH_INTERVAL_MS } from './defaults.ts'
import type { AbortOptions, CacheEntry } from './types.ts'
import type { Logger } from '../log.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'

/**
 * Re-puts the cache records this node produced. Remote DHT peers drop a
 * record 48 h after they received it, and kad-dht never republishes values
 * given to put(), so without this a result would vanish from the DHT two
 * days after it was made. Ed25519 signatures are deterministic: re-signing an
 * entry gives the same record bytes.
 */
export interface CacheRecordRepublisherInit {
  /** @default DEFAULT_REPUBLISH_INTERVAL_MS (12 h) */
  republishIntervalMs?: number | undefined
  /** The first run, after start: soon, so records lost while the node was down come back. @default 60_000 */
  initialDelayMs?: number
  /** Timeout of each put. */
  queryTimeoutMs?: number | undefined
}

export interface CacheRecordRepublisherComponents {
  dht: Pick<KadDHT, 'put'>
  privateKey: PrivateKey
  peerId: PeerId
  /** The local cache index's entries; only those this node produced are republished. */
  entries: (options: AbortOptions) => AsyncIterable<CacheEntry>
  logger: Logger
  /** @default systemScheduler */
  scheduler?: Scheduler | undefined
}

export const DEFAULT_REPUBLISH_INITIAL_DELAY_MS = 60_000

export class CacheRecordRepublisher implements Startable {
  readonly #components: CacheRecordRepublisherComponents
  readonly #intervalMs: number
  readonly #initialDelayMs: number
  readonly #putTimeoutMs: number | undefined
  readonly #log: Logger
  #run: ComponentRun | undefined

  constructor (components: CacheRecordRepublisherComponents, init: CacheRecordRepublisherInit = {}) {
    this.#components = components
    this.#intervalMs = init.republishIntervalMs ?? DEFAULT_REPUBLISH_INTERVAL_MS
    this.#initialDelayMs = init.initialDelayMs ?? DEFAULT_REPUBLISH_INITIAL_DELAY_MS
    this.#putTimeoutMs = init.queryTimeoutMs
    this.#log = components.logger.forComponent('artdag:store:republisher')
  }

  async start (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    if (this.#run !== undefined) return
    this.#run = new ComponentRun({
      name: 'the cache record republisher',
      scheduler: this.#components.scheduler,
      onTaskError: err => {
        this.#log.warn({ err }, 'republishing cache records failed')
      }
    })
    this.#schedule(this.#run, this.#initialDelayMs)
  }

  async stop (): Promise<void> {
    const run = this.#run
    this.#run = undefined
    await run?.end()
  }

  /** One pass over the index; returns how many records were put. */
  async republish (options: AbortOptions = {}): Promise<{ records: number }> {
    const self = this.#components.peerId.toString()
    let records = 0
    for await (const entry of this.#components.entries(options)) {
      // Only this node's records, and only those the others would count (a local render's results stay local).
      if (entry.producer !== self || !isPublishable(entry)) continue
      options.signal?.throwIfAborted()
      await putCacheRecord(this.#components.dht, entry, this.#components.privateKey, { signal: options.signal, timeoutMs: this.#putTimeoutMs })
      records++
    }
    return { records }
  }

  #schedule (run: ComponentRun, delayMs: number): void {
    run.after(delayMs, () => {
      run.track(
        'republish',
        this.republish({ signal: run.signal })
          .then(({ records }) => {
            this.#log.debug({ records }, 'republished cache records')
          })
          .catch((err: unknown) => {
            if (!run.ended) this.#log.warn({ err }, 'republishing cache records failed')
          })
          .finally(() => {
            this.#schedule(run, this.#intervalMs)
          })
      )
    })
  }
}
