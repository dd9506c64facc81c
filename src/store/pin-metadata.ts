import { InvalidArgumentError } from '../errors.ts'
import type { PinInfo } from './types.ts'
import type { CID } from 'multiformats/cid'

/**
 * PinInfo ↔ Helia pin metadata (a flat map of strings, numbers and booleans,
 * stored with the pin in the datastore): `kind`, `expiresAt`, and each label
 * as `label:<name>`.
 */
export type PinMetadata = Record<string, string | number | boolean>

const LABEL_PREFIX = 'label:'
const KINDS = new Set(['user', 'final', 'intermediate'])
/** Strength of a kind when the same CID is pinned twice: the stronger one stays. */
const RANK: Record<PinInfo['kind'], number> = { intermediate: 0, final: 1, user: 2 }

export function checkPinInfo (info: Omit<PinInfo, 'cid'>): void {
  if (!KINDS.has(info.kind)) throw new InvalidArgumentError(`pin kind must be user, final or intermediate, got ${JSON.stringify(info.kind)}`)
  if (info.expiresAt != null && (!Number.isSafeInteger(info.expiresAt) || info.expiresAt < 0)) {
    throw new InvalidArgumentError(`pin expiresAt must be milliseconds since the epoch, got ${info.expiresAt}`)
  }
  for (const [name, value] of Object.entries(info.labels ?? {})) {
    if (typeof value !== 'string') throw new InvalidArgumentError(`pin label ${name} must be a string`)
  }
}

export function toMetadata (info: Omit<PinInfo, 'cid'>): PinMetadata {
  const metadata: PinMetadata = { kind: info.kind }
  // Only intermediates expire; an expiry on a final or user pin would be misleading.
  if (info.kind === 'intermediate' && info.expiresAt != null) metadata.expiresAt = info.expiresAt
  for (const [name, value] of Object.entries(info.labels ?? {})) metadata[LABEL_PREFIX + name] = value
  return metadata
}

export function fromMetadata (cid: CID, metadata: PinMetadata): PinInfo {
  // Pins made outside artdag (no kind) are the user's.
  const kind = typeof metadata.kind === 'string' && KINDS.has(metadata.kind) ? metadata.kind as PinInfo['kind'] : 'user'
  const info: PinInfo = { cid, kind }
  if (typeof metadata.expiresAt === 'number') info.expiresAt = metadata.expiresAt
  const labels: Record<string, string> = {}
  for (const [key, value] of Object.entries(metadata)) {
    if (key.startsWith(LABEL_PREFIX)) labels[key.slice(LABEL_PREFIX.length)] = String(value)
  }
  if (Object.keys(labels).length > 0) info.labels = labels
  return info
}

/**
 * Pinning a pinned CID again: the stronger kind wins (user > final >
 * intermediate), two intermediates keep the later expiry, labels merge (the
 * new value wins).
 */
export function mergePins (current: PinInfo, next: Omit<PinInfo, 'cid'>): PinInfo {
  const kind = RANK[next.kind] > RANK[current.kind] ? next.kind : current.kind
  const merged: PinInfo = { cid: current.cid, kind }
  if (kind === 'intermediate') {
    const expiries = [current.expiresAt, next.expiresAt]
    // An intermediate without expiry never expires: keep that if either has it.
    if (!expiries.includes(undefined)) merged.expiresAt = Math.max(...(expiries as number[]))
  }
  const labels = { ...current.labels, ...next.labels }
  if (Object.keys(labels).length > 0) merged.labels = labels
  return merged
}
