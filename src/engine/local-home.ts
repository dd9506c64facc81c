import { CID } from 'multiformats/cid'
import type { ExportResponse, GcResponse, PinJson, PinKind, PinRequest, RepoStat } from '../api/index.ts'
import { stat } from 'node:fs/promises'
import { InvalidArgumentError, InvalidCidError, NotFoundError } from '../errors.ts'
import { createEmbeddedNode } from '../node/index.ts'
import type { EmbeddedNode } from '../node/index.ts'
import { gcWithUsage, repoUsage } from '../store/index.ts'
import type { PinInfo } from '../store/index.ts'
import { defined } from '../defined.ts'

/**
 * A home's content with no daemon running (`artdag get`, `cat`, `pin`, `gc`,
 * `repo stat`): the same answers as the daemon's socket gives, from the
 * home's stores opened in this process. The home's lock is held while it is
 * open, so a daemon cannot start under it; close() releases it.
 */
export interface LocalHome {
  cat: (cid: string, options: { offset?: number | undefined, length?: number | undefined, signal?: AbortSignal | undefined }) => Promise<{ size: number, body: AsyncIterable<Uint8Array> }>
  exportFile: (cid: string, path: string, options?: { signal?: AbortSignal | undefined, onProgress?: ((progress: { done: number, total: number }) => void) | undefined }) => Promise<ExportResponse>
  pins: (filter: { kind?: PinKind }, options?: { signal?: AbortSignal | undefined }) => Promise<{ pins: PinJson[] }>
  pin: (cid: string, request: PinRequest, options?: { signal?: AbortSignal | undefined }) => Promise<PinJson>
  unpin: (cid: string, options?: { signal?: AbortSignal | undefined }) => Promise<{ cid: string }>
  gc: (options?: { signal?: AbortSignal | undefined }) => Promise<GcResponse>
  repoStat: (options?: { signal?: AbortSignal | undefined }) => Promise<RepoStat>
  close: () => Promise<void>
}

function parse (text: string): CID {
  try {
    return CID.parse(text)
  } catch (err: unknown) {
    throw new InvalidCidError(`not a CID: ${JSON.stringify(text)}`, { cid: text }, { cause: err })
  }
}

function toJson (pin: PinInfo): PinJson {
  return {
    cid: pin.cid.toString(),
    kind: pin.kind,
    ...defined({ expiresAt: pin.expiresAt }),
    ...defined({ labels: pin.labels })
  }
}

export async function openLocalHome (home: string, options: { signal?: AbortSignal | undefined, purpose?: string } = {}): Promise<LocalHome> {
  // Reading a home is no reason to make one: a mistyped --home is said as such.
  if ((await stat(home).catch(() => null))?.isDirectory() !== true) {
    throw new NotFoundError(`there is no artdag home at ${home} and no daemon runs for it (artdag init makes a home; artdag daemon --home ${home} starts its daemon)`, { home })
  }
  const node: EmbeddedNode = await createEmbeddedNode({ home, purpose: options.purpose ?? 'cli' }, { signal: options.signal })
  const { content, paths } = node
  return {
    async cat (cid, o) {
      const parsed = parse(cid)
      const { size } = await content.stat(parsed, { signal: o.signal })
      const offset = Math.min(o.offset ?? 0, size)
      const length = Math.min(o.length ?? size - offset, size - offset)
      return { size: length, body: content.cat(parsed, { offset, length, signal: o.signal }) }
    },
    async exportFile (cid, path, o = {}) {
      const parsed = parse(cid)
      const onProgress = o.onProgress
      // With progress, the size first: the bar needs its total.
      const total = onProgress === undefined ? 0 : (await content.stat(parsed, { signal: o.signal })).size
      onProgress?.({ done: 0, total })
      const { size } = await content.getFile(parsed, path, { signal: o.signal, onProgress: onProgress && (done => onProgress({ done, total })) })
      return { cid, size, path }
    },
    async pins (filter, o = {}) {
      const pins: PinJson[] = []
      for await (const pin of content.pins({ signal: o.signal })) {
        if (filter.kind === undefined || pin.kind === filter.kind) pins.push(toJson(pin))
      }
      return { pins }
    },
    async pin (cid, request, o = {}) {
      const kind = request.kind ?? 'user'
      if (kind === 'intermediate' && request.expiresAt === undefined) throw new InvalidArgumentError('--expires-in: is required for an intermediate pin')
      const info: PinInfo = { cid: parse(cid), kind, ...defined({ expiresAt: request.expiresAt }), ...defined({ labels: request.labels }) }
      await content.pin(info, { signal: o.signal })
      return toJson(info)
    },
    async unpin (cid, o = {}) {
      const parsed = parse(cid)
      await content.unpin(parsed, { signal: o.signal })
      return { cid: parsed.toString() }
    },
    async gc (o = {}) {
      return await gcWithUsage(content, paths.blocks, { signal: o.signal })
    },
    async repoStat (o = {}) {
      return await repoUsage(paths, content, { signal: o.signal })
    },
    close: async () => {
      await node.stop()
    }
  }
}
