/**
 * The home's stores as a process with no network uses them (`artdag render` and the other
 * in-process commands): the content store, its pins, the local cache index, the steps' logs.
 * Loads none of the DHT's records, their republisher or the wire's messages (the index's).
 */
export { collect } from '../bytes.ts'
export { DatastoreCacheIndex } from '../cache-index.ts'
export { HeliaContentStore } from '../content.ts'
export type { HeliaContentStoreInit } from '../content.ts'
export { DEFAULT_CACHE_RECORD_TIMEOUT_MS, DEFAULT_REPUBLISH_INTERVAL_MS } from '../defaults.ts'
export { PinRecords } from '../pin-records.ts'
export { DatastoreStepLogs } from '../step-logs.ts'
export type { AbortOptions, CacheIndex, ContentStore } from '../types.ts'
