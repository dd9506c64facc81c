import { AbortedError, isArtdagError } from '../errors.ts'
import { ContentNotFoundError, ContentTimeoutError } from './errors.ts'
import type { CID } from 'multiformats/cid'

/**
 * Turns what Helia throws for a block read into one of our errors, naming the
 * block. Which signal fired tells a caller's abort from our fetch timeout;
 * Helia wraps both in LoadBlockFailedError, so the cause alone does not.
 */
export function toStoreError (cid: CID, err: unknown, callerSignal?: AbortSignal, timeout?: AbortSignal, timeoutMs?: number): Error {
  if (isArtdagError(err)) return err
  if (callerSignal?.aborted === true) {
    return new AbortedError(`aborted while reading block ${cid}`, { cid: cid.toString() }, { cause: err })
  }
  if (timeout?.aborted === true) {
    return new ContentTimeoutError(`no peer provided block ${cid} within ${timeoutMs ?? '?'} ms`, { cid: cid.toString(), timeoutMs }, { cause: err })
  }
  const name = (err as Error)?.name
  // offline read of a missing block / no block brokers (embedded) / deleted between has() and get()
  if (name === 'BlockNotFoundWhileOfflineError' || name === 'InvalidConfigurationError' || name === 'NotFoundError') {
    return new ContentNotFoundError(`block ${cid} is not in the local store and this node does not fetch from peers`, { cid: cid.toString() }, { cause: err })
  }
  return err instanceof Error ? err : new Error(String(err))
}

/** The caller's abort, whatever layer noticed it first, as our AbortedError naming the operation. */
export function abortedAs (err: unknown, signal: AbortSignal | undefined, what: string): unknown {
  if (signal?.aborted === true && !isArtdagError(err)) return new AbortedError(`aborted while ${what}`, undefined, { cause: err })
  return err
}
