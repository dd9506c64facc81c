/** The DHT records' named defaults, apart from the modules that use them (their schemas, the protocol's). */

/** How long a record's DHT get or put may take. */
export const DEFAULT_CACHE_RECORD_TIMEOUT_MS = 5_000
/** How often every local result's record is put again (a DHT drops a record 48 h after it was put). */
export const DEFAULT_REPUBLISH_INTERVAL_MS = 12 * 60 * 60 * 1000
