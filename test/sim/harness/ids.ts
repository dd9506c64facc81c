import { createHash } from 'node:crypto'
import type { Prng } from './prng.ts'

/** Identifiers that pass the wire schemas, derived deterministically. */
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

export function fakePeerId (rng: Prng): string {
  let s = '12D3KooW'
  for (let i = 0; i < 44; i++) s += BASE58[rng.int(0, 57)]
  return s
}

export function fakeJobId (rng: Prng): string {
  return `bagu${rng.hex(56)}`
}

export function fakeCacheId (rng: Prng): string {
  return rng.hex(64)
}

/** The content every correct execution of a cache id produces (executions are deterministic). */
export function expectedCid (cacheId: string): string {
  return `bafy${createHash('sha256').update(cacheId).digest('hex').slice(0, 52)}`
}

/** What a node whose executor diverges (another ffmpeg build) produces for a cache id. */
export function divergentCid (cacheId: string, node: number): string {
  return `bafy${createHash('sha256').update(`${cacheId}/${node}`).digest('hex').slice(0, 52)}`
}
