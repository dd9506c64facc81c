import type { Datastore, Key } from 'interface-datastore'
import { errorName } from '../errors.ts'
import type { AbortOptions } from './types.ts'

/**
 * The value under `key`, or undefined when the datastore has none (any other failure is thrown).
 * The signal is checked before the read, not raced against it: a local LevelDB read is over in
 * well under a millisecond, and datastore-level would add an abort listener and a promise race
 * per read (several per pin and per job: docs/BENCHMARKS.md, "Issue 11, seventh round").
 */
export async function readIfPresent (datastore: Pick<Datastore, 'get'>, key: Key, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
  options.signal?.throwIfAborted()
  try {
    return await datastore.get(key)
  } catch (err: unknown) {
    if (errorName(err) === 'NotFoundError') return undefined
    throw err
  }
}
