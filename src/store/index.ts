/**
 * Content: add/cat/get/pin/gc over Helia, the local cache index, signed DHT
 * cache records and their republisher. The direct transfer protocol, which
 * only a networked node runs, is transfer/index.ts.
 */
export { DatastoreCacheIndex } from './cache-index.ts'
export { CACHE_RECORD_NAMESPACE, cacheRecordSelector, createCacheRecordValidator, getCacheRecord, putCacheRecord } from './cache-records.ts'
export { CacheRecordRepublisher } from './cache-republisher.ts'
export { collect } from './bytes.ts'
export { parseCid } from './cid.ts'
export { HeliaContentStore } from './content.ts'
export type { HeliaContentStoreInit } from './content.ts'
export { toMetadata } from './pin-metadata.ts'
export { PinRecords } from './pin-records.ts'
export type { AbortOptions, CacheIndex, ContentStore, PinInfo } from './types.ts'
export * from './errors.ts'
export { checkPinInfo, fromMetadata } from './pin-metadata.ts'
export type { PinMetadata } from './pin-metadata.ts'
export type { AddOptions, CacheEntry, CatOptions, FetchOptions, GcResult } from './types.ts'
export { DEFAULT_CACHE_RECORD_TIMEOUT_MS, DEFAULT_REPUBLISH_INTERVAL_MS } from './defaults.ts'
export { directoryUsage, gcWithUsage, repoUsage } from './disk-usage.ts'
export type { RepoPaths, RepoUsage } from './disk-usage.ts'
export { DatastoreStepLogs, STEP_LOGS_PREFIX } from './step-logs.ts'
export type { StepLogEntry, StepLogs } from './step-logs.ts'
