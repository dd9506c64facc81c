import { lstat, readdir, statfs } from 'node:fs/promises'
import { join } from 'node:path'
import { errorCode } from '../errors.ts'
import type { AbortOptions, ContentStore } from './types.ts'

/**
 * What a home holds on disk, as `du` counts it (blocks allocated, not
 * apparent sizes): for `artdag repo stat` and for the bytes `gc` gives back.
 */

/** Files and bytes under `dir` (0 and 0 when it does not exist). */
export async function directoryUsage (dir: string, options: AbortOptions = {}): Promise<{ files: number, bytes: number }> {
  let files = 0
  let bytes = 0
  const walk = async (path: string): Promise<void> => {
    options.signal?.throwIfAborted()
    let entries
    try {
      entries = await readdir(path, { withFileTypes: true })
    } catch (err: unknown) {
      if (errorCode(err) === 'ENOENT' || errorCode(err) === 'ENOTDIR') return
      throw err
    }
    for (const entry of entries) {
      const child = join(path, entry.name)
      if (entry.isDirectory()) {
        await walk(child)
        continue
      }
      const info = await lstat(child).catch(() => null)
      if (info == null) continue
      files++
      bytes += info.blocks * 512
    }
  }
  await walk(dir)
  return { files, bytes }
}

export interface RepoPaths {
  home: string
  blocks: string
  datastore: string
  work: string
  logs: string
}

export interface RepoUsage {
  home: string
  blocks: { count: number, bytes: number }
  datastore: { bytes: number }
  work: { bytes: number }
  logs: { bytes: number }
  pins: { user: number, final: number, intermediate: number, expired: number }
  disk: { freeBytes: number, totalBytes: number }
}

/** The home's disk use and pins (`GET /v1/repo`, `artdag repo stat`). */
export async function repoUsage (paths: RepoPaths, store: Pick<ContentStore, 'pins'>, options: AbortOptions & { now?: number } = {}): Promise<RepoUsage> {
  const now = options.now ?? Date.now()
  const pins = { user: 0, final: 0, intermediate: 0, expired: 0 }
  for await (const pin of store.pins(options)) {
    pins[pin.kind]++
    if (pin.kind === 'intermediate' && pin.expiresAt != null && pin.expiresAt <= now) pins.expired++
  }
  const [blocks, datastore, work, logs, disk] = await Promise.all([
    directoryUsage(paths.blocks, options),
    directoryUsage(paths.datastore, options),
    directoryUsage(paths.work, options),
    directoryUsage(paths.logs, options),
    statfs(paths.home).catch(() => null)
  ])
  return {
    home: paths.home,
    blocks: { count: blocks.files, bytes: blocks.bytes },
    datastore: { bytes: datastore.bytes },
    work: { bytes: work.bytes },
    logs: { bytes: logs.bytes },
    pins,
    disk: disk != null ? { freeBytes: Number(disk.bavail) * Number(disk.bsize), totalBytes: Number(disk.blocks) * Number(disk.bsize) } : { freeBytes: 0, totalBytes: 0 }
  }
}

/** Runs the store's gc and measures what the blockstore gave back. */
export async function gcWithUsage (store: Pick<ContentStore, 'gc'>, blocksDir: string, options: AbortOptions = {}): Promise<{ expiredPins: number, removedBlocks: number, reclaimedBytes: number }> {
  const before = await directoryUsage(blocksDir, options)
  const result = await store.gc(options)
  const after = await directoryUsage(blocksDir, options)
  return { ...result, reclaimedBytes: Math.max(0, before.bytes - after.bytes) }
}
