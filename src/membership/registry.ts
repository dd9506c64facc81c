import { peerIdFromString } from '@libp2p/peer-id'
import { concat } from 'uint8arrays/concat'
import { RegistryKeyError, RegistryNotFoundError } from './errors.ts'
import { errorMessage, errorName } from '../errors.ts'
import { ensureIpnsKey } from './ipns-key.ts'
import { cidFromIpnsValue, decodeRegistryDocument, encodeRegistryDocument } from './registry-codec.ts'
import type { RegistryDocument } from './core/registry-document.ts'
import type { Membership } from './membership.ts'
import type { MembershipMetrics } from './metrics.ts'
import { ComponentRun, systemClock } from '../lifecycle/index.ts'
import type { AbortOptions, Clock, Scheduler, Startable } from '../lifecycle/index.ts'
import type { Logger } from '../log.ts'
import type { Helia } from '@helia/interface'
import type { IPNS } from '@helia/ipns'
import type { IdentifyResult, Libp2p, PrivateKey } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/**
 * The node registry behind IPNS. Each node publishes, under its own IPNS name
 * (its libp2p key, so its name is its peer id), a dag-json document with its
 * own record and every member it knows. At start it reads its own document
 * from the local datastore (works alone, after a restart); when it meets a
 * peer, and periodically for connected members, it resolves that peer's name
 * through the DHT, fetches the document over bitswap and merges it. It
 * republishes periodically and, rate-limited, after membership changes.
 * docs/MEMBERSHIP.md has the design.
 */
export interface RegistryInit {
  /**
   * Republish at least this often; also how often connected members' documents are pulled.
   *
   * @default 60000
   */
  publishIntervalMs?: number
  /**
   * Least time between two publications (changes in between are batched).
   *
   * @default 5000
   */
  minPublishGapMs?: number
  /**
   * Validity of the IPNS record.
   *
   * @default 172800000 (48 h)
   */
  recordLifetimeMs?: number
  /**
   * Timeout of one resolve + fetch of a peer's document, and of one network publish.
   *
   * @default 5000
   */
  resolveTimeoutMs?: number
  /**
   * Connected peers whose documents are pulled per period (anti-entropy).
   *
   * @default 3
   */
  pullsPerPeriod?: number
  /**
   * The keychain name our libp2p key is imported under for IPNS publishing.
   *
   * @default 'artdag-node'
   */
  keyName?: string
}

export const DEFAULT_REGISTRY_PUBLISH_INTERVAL_MS = 300_000
export const DEFAULT_REGISTRY_MIN_PUBLISH_GAP_MS = 5_000
export const DEFAULT_REGISTRY_RECORD_LIFETIME_MS = 48 * 60 * 60 * 1000
export const DEFAULT_REGISTRY_RESOLVE_TIMEOUT_MS = 5_000
export const DEFAULT_REGISTRY_PULLS_PER_PERIOD = 3
export const DEFAULT_REGISTRY_KEY_NAME = 'artdag-node'
/** Retries of a pull right after a connection: the DHT routing table may not hold the new peer yet. */
const PULL_RETRY_DELAYS_MS = [250, 1000, 3000]

export interface RegistryComponents {
  /** Our libp2p private key: the IPNS name is our peer id. */
  privateKey: PrivateKey
  ipns: Pick<IPNS, 'publish' | 'resolve'>
  helia: Pick<Helia, 'blockstore' | 'pins' | 'keychain' | 'getCrypto'>
  libp2p: Pick<Libp2p, 'peerId' | 'getPeers' | 'addEventListener' | 'removeEventListener'>
  membership: Membership
  metrics: MembershipMetrics
  logger: Logger
  /**
   * The metadata of the pin that keeps our document: the content store's own
   * (src/store: a `final` pin labelled `purpose: membership-registry`), so that
   * `artdag pin ls` lists it like every other pin.
   */
  pinMetadata: Readonly<Record<string, string | number | boolean>>
  /** @default systemClock */
  clock?: Clock | undefined
  /** @default systemScheduler */
  scheduler?: Scheduler | undefined
}

export interface PublishedDocument {
  cid: CID
  doc: RegistryDocument
}

export type PullResult = 'ok' | 'not_found' | 'invalid' | 'error'

export class Registry implements Startable {
  readonly #c: RegistryComponents
  readonly #log: Logger
  readonly #publishIntervalMs: number
  readonly #minGapMs: number
  readonly #lifetimeMs: number
  readonly #timeoutMs: number
  readonly #pullsPerPeriod: number
  readonly #keyName: string
  readonly #publishedListeners = new Set<(published: PublishedDocument) => void>()
  readonly #pulling = new Map<string, Promise<void>>()
  readonly #onIdentify = (event: CustomEvent<IdentifyResult>): void => {
    this.#pullWithRetries(event.detail.peerId.toString())
  }
  readonly #clock: Clock
  #run: ComponentRun | undefined
  #cancelPublish: (() => void) | undefined
  #publishing: Promise<void> | undefined
  #dirty = false
  #lastPublishAt = 0
  #current: PublishedDocument | undefined
  #unsubscribe: (() => void) | undefined
  #pullCursor = 0

  constructor (components: RegistryComponents, init: RegistryInit = {}) {
    this.#c = components
    this.#log = components.logger.forComponent('artdag:registry')
    this.#clock = components.clock ?? systemClock
    this.#publishIntervalMs = init.publishIntervalMs ?? DEFAULT_REGISTRY_PUBLISH_INTERVAL_MS
    this.#minGapMs = init.minPublishGapMs ?? DEFAULT_REGISTRY_MIN_PUBLISH_GAP_MS
    this.#lifetimeMs = init.recordLifetimeMs ?? DEFAULT_REGISTRY_RECORD_LIFETIME_MS
    this.#timeoutMs = init.resolveTimeoutMs ?? DEFAULT_REGISTRY_RESOLVE_TIMEOUT_MS
    this.#pullsPerPeriod = init.pullsPerPeriod ?? DEFAULT_REGISTRY_PULLS_PER_PERIOD
    this.#keyName = init.keyName ?? DEFAULT_REGISTRY_KEY_NAME
  }

  /** The document we last published, if any. */
  get current (): PublishedDocument | undefined {
    return this.#current
  }

  /** Called after each successful publication; returns the unsubscribe function. */
  onPublished (listener: (published: PublishedDocument) => void): () => void {
    this.#publishedListeners.add(listener)
    return () => {
      this.#publishedListeners.delete(listener)
    }
  }

  /**
   * Imports our key, merges our own last document from the local datastore,
   * then starts publishing and pulling. Needs started Helia and libp2p.
   */
  async start (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    if (this.#run !== undefined) return
    try {
      await ensureIpnsKey(this.#c.helia, this.#c.privateKey, this.#keyName, options)
    } catch (err: unknown) {
      throw new RegistryKeyError(`cannot import the node key into the keychain as ${JSON.stringify(this.#keyName)}: ${errorMessage(err)}`, { keyName: this.#keyName }, { cause: err })
    }
    const run = new ComponentRun({
      name: 'the registry',
      scheduler: this.#c.scheduler,
      onTaskError: err => {
        this.#log.warn({ err }, 'registry task failed')
      }
    })
    this.#run = run
    await this.#loadOwn()
    this.#c.libp2p.addEventListener('peer:identify', this.#onIdentify)
    this.#unsubscribe = this.#c.membership.onEvent(event => {
      if (event.type !== 'suspect') this.schedulePublish()
    })
    run.every(this.#publishIntervalMs, () => {
      this.#periodic()
    })
    // Peers that connected while the node started (its bootstrap peers) were identified before we listened.
    for (const peer of this.#c.libp2p.getPeers()) this.#pullWithRetries(peer.toString())
    this.schedulePublish()
  }

  async stop (): Promise<void> {
    const run = this.#run
    if (run === undefined) return
    this.#run = undefined
    this.#cancelPublish = undefined
    this.#unsubscribe?.()
    this.#c.libp2p.removeEventListener('peer:identify', this.#onIdentify)
    await run.end()
    await Promise.allSettled([this.#publishing, ...this.#pulling.values()])
  }

  /** Publishes soon, at most once per `minPublishGapMs`; changes in between join the next publication. */
  schedulePublish (): void {
    const run = this.#run
    if (run === undefined) return
    if (this.#publishing !== undefined) {
      this.#dirty = true
      return
    }
    if (this.#cancelPublish !== undefined) return
    const wait = Math.max(0, this.#lastPublishAt + this.#minGapMs - this.#clock.now())
    this.#cancelPublish = run.after(wait, () => {
      this.#cancelPublish = undefined
      this.#publishing = this.#publish().finally(() => {
        this.#publishing = undefined
        if (this.#dirty) {
          this.#dirty = false
          this.schedulePublish()
        }
      })
    })
  }

  /**
   * Resolves a peer's IPNS name, fetches its document and merges it. Never
   * throws: the result says what happened.
   */
  async pull (peerId: string, options: { signal?: AbortSignal | undefined } = {}): Promise<PullResult> {
    const shutdown = this.#run
    if (shutdown === undefined || peerId === this.#c.membership.selfId) return 'error'
    const signal = AbortSignal.any([shutdown.signal, AbortSignal.timeout(this.#timeoutMs), ...(options.signal !== undefined ? [options.signal] : [])])
    let result: PullResult
    try {
      const doc = await this.#fetch(peerId, { signal, offline: false })
      this.#c.membership.mergeRegistry(doc)
      result = 'ok'
    } catch (err: unknown) {
      result = classify(err)
      this.#log.debug({ peer: peerId, result, err }, 'registry pull failed')
    }
    this.#c.metrics.registryPulls.inc({ source: 'peer', result })
    return result
  }

  async #loadOwn (): Promise<void> {
    const self = this.#c.membership.selfId
    try {
      // Our own record in our datastore, not validated: after 48 h alone it has expired but is still ours.
      const doc = await this.#fetch(self, { signal: AbortSignal.timeout(this.#timeoutMs), offline: true })
      const { events } = this.#c.membership.mergeRegistry(doc)
      this.#c.metrics.registryPulls.inc({ source: 'self', result: 'ok' })
      this.#log.info({ members: doc.members.length, joined: events.filter(e => e.type === 'joined').length }, 'loaded our registry document')
    } catch (err: unknown) {
      const result = classify(err)
      this.#c.metrics.registryPulls.inc({ source: 'self', result })
      if (result === 'not_found') this.#log.info('no registry document of ours yet (first start)')
      else this.#log.warn({ err }, 'cannot load our registry document')
    }
  }

  async #fetch (peerId: string, options: { signal: AbortSignal, offline: boolean }): Promise<RegistryDocument> {
    const name = peerIdFromString(peerId).toMultihash()
    let value: string | undefined
    const resolveOptions = options.offline
      ? { signal: options.signal, offline: true, validate: false }
      : { signal: options.signal, nocache: true }
    for await (const entry of this.#c.ipns.resolve(name, resolveOptions)) value = entry.value
    if (value === undefined) throw new RegistryNotFoundError(`IPNS name of ${peerId} resolved to nothing`, { peer: peerId })
    const cid = cidFromIpnsValue(value, peerId)
    const chunks: Uint8Array[] = []
    for await (const chunk of this.#c.helia.blockstore.get(cid, { signal: options.signal, offline: options.offline })) chunks.push(chunk)
    return decodeRegistryDocument(concat(chunks), peerId, cid)
  }

  async #publish (): Promise<void> {
    const shutdown = this.#run
    if (shutdown === undefined) return
    const document = this.#c.membership.toRegistryDocument()
    // Until our first heartbeat has built and signed our record we have nothing to tell: wait for it.
    if (document === undefined) return
    this.#lastPublishAt = this.#clock.now()
    const { helia, ipns } = this.#c
    // The local steps are not cut short by stop() (which waits for them): an abort halfway
    // through a pin leaves rejections inside the libraries. They are bounded by a timeout.
    const local = AbortSignal.timeout(this.#timeoutMs)
    try {
      const { cid, bytes, doc } = await encodeRegistryDocument(document)
      await helia.blockstore.put(cid, bytes, { signal: local })
      // Pinned so garbage collection keeps it: a restart alone reads it back. It lists as a
      // `final` pin labelled `purpose: membership-registry` among the store's pins.
      if (!await helia.pins.isPinned(cid, { signal: local })) {
        // No signal: an abort in the middle of Helia's pin walk leaves a rejection nobody handles
        // (it killed daemons on a loaded machine). The document's one block is local: the walk is short.
        for await (const _ of helia.pins.add(cid, { metadata: { ...this.#c.pinMetadata } })) {}
      }
      // First locally (always works, alone too), then to the DHT, bounded.
      await ipns.publish(this.#keyName, cid, { offline: true, lifetime: this.#lifetimeMs, ttl: this.#publishIntervalMs, signal: local })
      const previous = this.#current
      this.#current = { cid, doc }
      if (previous !== undefined && !previous.cid.equals(cid)) await this.#unpin(previous.cid, local)
      this.#c.metrics.registryPublishes.inc({ result: 'ok' })
      for (const listener of this.#publishedListeners) {
        try {
          listener(this.#current)
        } catch (err: unknown) {
          this.#log.error({ err }, 'registry listener failed')
        }
      }
      if (this.#c.libp2p.getPeers().length > 0) {
        const signal = AbortSignal.any([shutdown.signal, AbortSignal.timeout(this.#timeoutMs)])
        await ipns.publish(this.#keyName, cid, { lifetime: this.#lifetimeMs, ttl: this.#publishIntervalMs, signal })
          .catch((err: unknown) => {
            this.#log.debug({ err }, 'registry not put to the DHT in time; peers still read it from us')
          })
      }
      this.#log.debug({ cid: cid.toString(), members: doc.members.length }, 'registry published')
    } catch (err: unknown) {
      if (shutdown.signal.aborted) return
      this.#c.metrics.registryPublishes.inc({ result: 'error' })
      this.#log.warn({ err }, 'registry not published')
    }
  }

  async #unpin (cid: CID, signal: AbortSignal): Promise<void> {
    try {
      for await (const _ of this.#c.helia.pins.rm(cid, { signal })) {}
    } catch (err: unknown) {
      this.#log.debug({ cid: cid.toString(), err }, 'old registry document not unpinned')
    }
  }

  /** Republishes, and pulls a few connected peers' documents in turn (anti-entropy). */
  #periodic (): void {
    this.schedulePublish()
    const peers = this.#c.libp2p.getPeers().map(p => p.toString()).sort()
    for (let i = 0; i < Math.min(this.#pullsPerPeriod, peers.length); i++) {
      const peer = peers[(this.#pullCursor + i) % peers.length]
      if (peer !== undefined) this.#pullOnce(peer)
    }
    this.#pullCursor += this.#pullsPerPeriod
  }

  #pullOnce (peerId: string): void {
    if (this.#pulling.has(peerId)) return
    const run = this.pull(peerId).then(() => {}).finally(() => {
      this.#pulling.delete(peerId)
    })
    this.#pulling.set(peerId, run)
  }

  /** After a new connection: pull, retrying a few times while the DHT learns the peer. */
  #pullWithRetries (peerId: string): void {
    const current = this.#run
    if (this.#pulling.has(peerId) || current === undefined) return
    const run = (async () => {
      for (const delay of PULL_RETRY_DELAYS_MS) {
        await current.sleep(delay)
        if (current.ended) return
        const result = await this.pull(peerId)
        if (result === 'ok' || result === 'invalid') return
      }
    })().finally(() => {
      this.#pulling.delete(peerId)
    })
    this.#pulling.set(peerId, run)
  }
}

function classify (err: unknown): PullResult {
  if (errorName(err) === 'RecordNotFoundError' || errorName(err) === 'RegistryNotFoundError' || errorName(err) === 'NotFoundError') return 'not_found'
  if (errorName(err) === 'RegistryDocumentInvalidError' || errorName(err) === 'RecordsFailedValidationError') return 'invalid'
  return 'error'
}

/** The `registry:` config section's defaults (config/default.yaml is checked against them). */
export const REGISTRY_DEFAULTS = {
  publishIntervalMs: DEFAULT_REGISTRY_PUBLISH_INTERVAL_MS,
  recordLifetimeMs: DEFAULT_REGISTRY_RECORD_LIFETIME_MS,
  resolveTimeoutMs: DEFAULT_REGISTRY_RESOLVE_TIMEOUT_MS
}
