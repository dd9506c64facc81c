/**
 * The status socket's shared surface: routes, request/response schemas and
 * types, error classes, the client, and where a client finds the socket. The
 * server is src/api/server/ (its own index): clients never load it.
 */
export { createApiClient, DEFAULT_CLIENT_TIMEOUT_MS, DEFAULT_CONTENT_TIMEOUT_MS, DEFAULT_EXPORT_TIMEOUT_MS, DEFAULT_GC_TIMEOUT_MS } from './client.ts'
export type { AddOptions, ApiClient, ApiClientInit, CallOptions, CatOptions, Download, EventsOptions } from './client.ts'
export * from './errors.ts'
export { locateHome, socketPathFor } from './locate.ts'
export { daemonLogLines, daemonLogPath } from './daemon-log.ts'
export type { DaemonLogOptions } from './daemon-log.ts'
export { SOCKET_FILE_NAME, socketPathForHome } from './paths.ts'
export { API_PREFIX, buildPath, methodsForPath, routes } from './routes.ts'
export type { HttpMethod, ResponseOf, ResponseSpec, RouteDef, RouteName, Routes } from './routes.ts'
export * from './schemas.ts'
// The CLI's own JSON shapes (./outputs.ts) as types only: their schemas load where they are checked.
export type { DaemonReady, RenderResult, VersionInfo } from './outputs.ts'
export { ROUNDED_FIELDS } from './events.ts'
export type { ApiComponents, EventListener, EventsBackend, JobsBackend, PeersBackend, SystemBackend, UiBackend } from './backend.ts'
export { writeFileAtomically } from './atomic-file.ts'
export { OCTET_STREAM, SNIFF_BYTES, sniffMediaType } from './media-type.ts'
