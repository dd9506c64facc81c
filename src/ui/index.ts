/** The dashboard's server: the socket API's app over loopback TCP behind a token (docs/UI.md). */
export { createUiServer, UI_DEFAULTS } from './server.ts'
export type { UiServer, UiServerInit } from './server.ts'
