import { readFileSync } from 'node:fs'

/** artdag's version, from package.json: in heartbeats, provenance records and `artdag id`. */
export const ARTDAG_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
