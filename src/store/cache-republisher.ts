import { AbortedError } from '../errors.ts'
import { putCacheRecord } from './cache-records.ts'
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
  intervalMs?: number
  /** The first run, after start: soon, so records lost while the node was down come back. @default 60_000 */
  initialDelayMs?: number
  /** Timeout of each put. */
  putTimeoutMs?: number
}

export interface CacheRecordRepublisherComponents {
  dht: Pick<KadDHT, 'put'>
  privateKey: PrivateKey
  peerId: PeerId
  /** The local cache index's entries; only those this node produced are republished. */
  entries: (options: AbortOptions) => AsyncIterable<CacheEntry>
  logger: Logger
}

export const DEFAULT_REPUBLISH_INTERVAL_MS = 12 * 60 * 60 * 1000
export const DEFAULT_REPUBLISH_INITIAL_DELAY_MS = 60_000

export class CacheRecordRepublisher {
  readonly #components: CacheRecordRepublisherComponents
  readonly #intervalMs: number
  readonly #initialDelayMs: number
  readonly #putTimeoutMs: number | undefined
  readonly #log: Logger
  #timer: NodeJS.Timeout | undefined
  #shutdown: AbortController | undefined
  #running: Promise<unknown> | undefined

  constructor (components: CacheRecordRepublisherComponents, init: CacheRecordRepublisherInit = {}) {
    this.#components = components
    this.#intervalMs = init.intervalMs ?? DEFAULT_REPUBLISH_INTERVAL_MS
    this.#initialDelayMs = init.initialDelayMs ?? DEFAULT_REPUBLISH_INITIAL_DELAY_MS
    this.#putTimeoutMs = init.putTimeoutMs
    this.#log = components.logger.forComponent('artdag:store:republisher')
  }

  start (): void {
    if (this.#shutdown != null) return
    this.#shutdown = new AbortController()
    this.#schedule(this.#initialDelayMs)
  }

  async stop (): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#shutdown?.abort(new AbortedError('the cache record republisher is stopping'))
    this.#shutdown = undefined
    await this.#running
  }

  /** One pass over the index; returns how many records were put. */
  async republish (options: AbortOptions = {}): Promise<{ records: number }> {
    const self = this.#components.peerId.toString()
    let records = 0
    for await (const entry of this.#components.entries(options)) {
      if (entry.producer !== self) continue
      options.signal?.throwIfAborted()
      await putCacheRecord(this.#components.dht, entry, this.#components.privateKey, { signal: options.signal, timeoutMs: this.#putTimeoutMs })
      records++
    }
    return { records }
  }

  #schedule (delayMs: number): void {
    const shutdown = this.#shutdown
    if (shutdown == null) return
    this.#timer = setTimeout(() => {
      this.#running = this.republish({ signal: shutdown.signal })
        .then(({ records }) => {
          this.#log.debug({ records }, 'republished cache records')
        })
        .catch((err: unknown) => {
          if (!shutdown.signal.aborted) this.#log.warn({ err }, 'republishing cache records failed')
        })
        .finally(() => {
          this.#running = undefined
          if (!shutdown.signal.aborted) this.#schedule(this.#intervalMs)
        })
    }, delayMs)
  }
}
