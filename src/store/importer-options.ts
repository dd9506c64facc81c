import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'

/**
 * The identity of content: Kubo's `unixfs-v1-2025` profile, pinned here so an upstream default
 * change cannot change our CIDs. Loaded with the importer, by the first add (the chunkers load a
 * WebAssembly one: a cached render, which adds no file, does without).
 */
export const IMPORTER_OPTIONS = {
  cidVersion: 1 as const,
  rawLeaves: true,
  chunker: fixedSize({ chunkSize: 1_048_576 }),
  layout: balanced({ maxChildrenPerNode: 1024 })
}
