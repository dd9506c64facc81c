import { lookupLocalCache } from '../../../engine/index.ts'
import { getCacheRecord, putCacheRecord } from '../../../store/index.ts'
import type { Clock } from '../../../lifecycle/index.ts'
import type { Logger } from '../../../log.ts'
import type { ArtdagNode } from '../../../node/index.ts'
import { resultStatement, signStatement } from '../../../protocol/index.ts'
import type { LookupAnswer } from '../../core/coordinator.ts'
import type { LookupScope } from '../../core/effects.ts'
import type { Attestation, JobSpec } from '../../core/types.ts'
import type { CachePort, PortOptions } from '../../driver/ports.ts'

export interface ClusterCacheComponents {
  node: Pick<ArtdagNode, 'cacheIndex' | 'content' | 'dht' | 'privateKey'>
  self: string
  clock: Clock
  logger: Logger
}

/** What the coordinator knows and decides, for the submitter's look-up (Coordinator.knownResult, resultCounts). */
export interface KnownResults {
  /** The result this node already knows for a cache id (a step of a job it keeps), or undefined. */
  known: (cacheId: string) => string | undefined
  /** Whether a DHT record's result counts here as it is: the coordinator's rule, under this node's trust settings. */
  counts: (cacheId: string, cid: string, attestations: readonly Attestation[]) => boolean
}

/** Whether a job takes a look-up's answer as it is: this node's own index, or a DHT record that counts here. */
export function answerCounts (results: Pick<KnownResults, 'counts'>, cacheId: string, answer: LookupAnswer | undefined): boolean {
  return answer !== undefined && (answer.attestations === undefined || results.counts(cacheId, answer.cid, answer.attestations))
}

export interface ClusterCacheInit {
  /** One DHT get or put may take this long. */
  dhtQueryTimeoutMs: number
  /** The submitter's look-up of a new job's steps may take this long. */
  cacheLookupTimeoutMs: number
}

/**
 * `cache_id → CID` for the coordinator: this node's index (with the content
 * still here), then the private DHT. A lookup that fails or runs out of time
 * is a miss: the step runs again, which costs time, never correctness.
 */
export class ClusterCache implements CachePort {
  readonly #c: ClusterCacheComponents
  readonly #init: ClusterCacheInit
  readonly #log: Logger

  constructor (components: ClusterCacheComponents, init: ClusterCacheInit) {
    this.#c = components
    this.#init = init
    this.#log = components.logger.forComponent('artdag:jobs:cache')
  }

  lookup (cacheIds: readonly string[], scope: LookupScope, deadline: number, answer: (cacheId: string, cid: string | undefined, attestations?: readonly Attestation[]) => void, options: PortOptions): Promise<void> {
    const timeoutMs = scope === 'index' ? 0 : Math.floor(deadline - this.#c.clock.now())
    return Promise.all(cacheIds.map(async cacheId => {
      const found = await this.find(cacheId, timeoutMs, options.signal)
      if (!options.signal.aborted) answer(cacheId, found?.cid, found?.attestations)
    })).then(() => {})
  }

  /** A confirmed result: this node's own attestation is signed here, the others came signed. */
  async put (cacheId: string, cid: string, stepType: string, attestations: readonly Attestation[], options: PortOptions): Promise<void> {
    try {
      const signed = await Promise.all(attestations.map(async a => a.sig === undefined && a.peer === this.#c.self && a.epoch > 0 ? { ...a, sig: await signStatement(this.#c.node.privateKey, resultStatement(cacheId, cid, a.epoch)) } : a))
      const proven = signed.filter(a => a.sig !== undefined)
      const entry = { cacheId, cid, producer: this.#c.self, createdAt: this.#c.clock.wallNow(), ...(stepType !== '' ? { stepType } : {}), ...(proven.length > 0 ? { attestations: proven } : {}) }
      await this.#c.node.cacheIndex.put(entry)
      // A record nobody can check (no signed attestation: a result this node only found cached) stays local.
      if (proven.length === 0) return
      const result = await putCacheRecord(this.#c.node.dht, entry, this.#c.node.privateKey, { signal: options.signal, timeoutMs: this.#init.dhtQueryTimeoutMs })
      this.#log.debug({ cacheId, peers: result.peers }, 'cache record put')
    } catch (err: unknown) {
      // The index and the DHT are a cache: a record that did not land only costs a later rerun.
      if (!options.signal.aborted) this.#log.warn({ cacheId, err }, 'cannot put the cache record')
    }
  }

  /**
   * The cached result of a cache id: this node's index (content still here), then the DHT unless
   * `timeoutMs` is 0, with the record's attestations (the coordinator decides whether they count).
   * A failure is a miss.
   */
  async find (cacheId: string, timeoutMs: number, signal: AbortSignal): Promise<LookupAnswer | undefined> {
    try {
      const { cacheIndex, content, dht } = this.#c.node
      const local = await lookupLocalCache(cacheIndex, content, cacheId, { signal })
      if (local !== undefined) return { cid: local }
      if (timeoutMs <= 0) return undefined
      const record = await getCacheRecord(dht, cacheId, { signal, timeoutMs: Math.min(timeoutMs, this.#init.dhtQueryTimeoutMs) })
      return record === undefined ? undefined : { cid: record.cid, attestations: record.attestations ?? [] }
    } catch (err: unknown) {
      // A lookup that fails is a miss: the step runs, which costs time, not correctness.
      if (!signal.aborted) this.#log.debug({ cacheId, err }, 'cache lookup failed: a miss')
      return undefined
    }
  }

  /**
   * The submitter's look-up of a new job, once for the cluster, before the job
   * is published. The job's output first, alone: when its result counts (this
   * node's index, or a DHT record whose attestations count here: `results.counts`,
   * the coordinator's own rule), nothing upstream of it will run, and nothing else
   * is looked up. Otherwise (a miss, or a record that would not count) every other
   * step at once, within the same deadline. A result this node already knows needs
   * no lookup. Returns the answers (steps not looked up are left out: the others
   * then check only their own index).
   */
  async findSteps (spec: JobSpec, results: KnownResults, signal: AbortSignal): Promise<Map<string, LookupAnswer | undefined>> {
    const found = new Map<string, LookupAnswer | undefined>()
    const deadline = this.#c.clock.now() + this.#init.cacheLookupTimeoutMs
    const lookUp = async (cacheId: string): Promise<LookupAnswer | undefined> => {
      const known = results.known(cacheId)
      const answer = known !== undefined ? { cid: known } : await this.find(cacheId, Math.floor(deadline - this.#c.clock.now()), signal)
      found.set(cacheId, answer)
      return answer
    }
    const output = spec.steps.find(step => step.stepId === spec.output)?.cacheId
    if (output !== undefined) {
      const answer = await lookUp(output)
      if (answerCounts(results, output, answer)) return found
    }
    await Promise.all(spec.steps.filter(step => step.cacheId !== output).map(async step => await lookUp(step.cacheId)))
    return found
  }
}
