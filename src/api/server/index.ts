/**
 * The status socket's server: routes bound to the daemon's backends over a
 * Unix socket. Only the daemon loads it.
 */
export { createApiServer } from './server.ts'
export { API_DEFAULTS } from './server.ts'
