import type { Datastore, Key } from 'interface-datastore'
import { errorName } from '../errors.ts'
import { signalOnly } from '../lifecycle/index.ts'
import type { AbortOptions } from './types.ts'

/** The value under `key`, or undefined when the datastore has none (any other failure is thrown). */
export async function readIfPresent (datastore: Pick<Datastore, 'get'>, key: Key, options: AbortOptions = {}): Promise<Uint8Array | undefined> {
  try {
    return await datastore.get(key, signalOnly(options))
  } catch (err: unknown) {
    if (errorName(err) === 'NotFoundError') return undefined
    throw err
  }
}
