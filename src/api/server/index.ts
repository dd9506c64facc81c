/**
 * The status socket's server: routes bound to the daemon's backends over a
 * Unix socket. Only the daemon loads it.
 */
export { createApiServer } from './server.ts'
export { API_DEFAULTS } from './server.ts'
export { DEFAULT_CONTENT_TIMEOUT_MS, DEFAULT_EVENT_BUFFER_BYTES, DEFAULT_MAX_JSON_BODY_BYTES } from './server.ts'
export { checkContinue, createApiApp } from './app.ts'
export type { ApiAppInit, ApiAppOptions } from './app.ts'
export { createApiMetrics } from './metrics.ts'
export type { ApiMetrics } from './metrics.ts'
