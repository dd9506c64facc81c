/**
 * What a command needs of the API before it knows whether a daemon runs: where the home and its
 * socket are, and what a CID looks like. Loads none of the socket's schemas and no client (the
 * API's index.ts, ~25 ms of a command's start): `artdag render` with no daemon needs no more.
 */
export { isCid } from '../cid.ts'
export { locateHome, socketPathFor } from '../locate.ts'
export { SOCKET_FILE_NAME, socketPathForHome } from '../paths.ts'
