import { isAbsolute } from 'node:path'
import { AbortedError } from '../../../errors.ts'
import { LocalFileError } from '../../../store/index.ts'
import type { ContentStore } from '../../../store/index.ts'
import { BodyTooLargeError, ExportPathError, InvalidRequestError } from '../../errors.ts'
import type { HandlerMap } from '../handler.ts'
import { toCid, withDeadline } from '../handler.ts'
import { limitBytes, readableAfterFirstChunk, withIdleTimeout } from '../streams.ts'

export interface ContentLimits {
  maxUploadBytes: number
  /** Bound on any one wait for content: the stat, the first chunk, each later chunk. */
  contentTimeoutMs: number
}

export function tooLarge (declared: number, limit: number): BodyTooLargeError {
  return new BodyTooLargeError(`upload of ${declared} bytes is over the ${limit} byte limit (api.maxUploadBytes)`, { limit })
}

/** `/v1/content`: bytes stream in and out in the socket's chunks, never held whole. */
export function contentHandlers (content: ContentStore, limits: ContentLimits): Pick<HandlerMap, 'addContent' | 'catContent' | 'statContent' | 'exportContent'> {
  return {
    async addContent ({ query }, { request, signal }) {
      const declared = request.headers['content-length']
      if (declared !== undefined && Number(declared) > limits.maxUploadBytes) throw tooLarge(Number(declared), limits.maxUploadBytes)
      const counter = { bytes: 0 }
      // destroyOnReturn: false keeps the socket open for the error reply when the limit trips.
      const body = request.raw.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>
      try {
        const pin = query.pin === 'none' ? undefined : { kind: query.pin }
        const cid = await content.addStream(limitBytes(body, limits.maxUploadBytes, counter), { signal, pin })
        return { cid: cid.toString(), size: counter.bytes, pinned: pin !== undefined }
      } catch (err: unknown) {
        if (signal.aborted) throw new AbortedError(`upload aborted after ${counter.bytes} bytes`, undefined, { cause: err })
        throw err
      }
    },

    async catContent ({ params, query }, { reply, signal }) {
      const cid = toCid(params.cid)
      const what = `content ${cid.toString()}`
      const { size } = await withDeadline(what, limits.contentTimeoutMs, signal, s => content.stat(cid, { signal: s }))
      const offset = query.offset ?? 0
      if (offset > size) {
        throw new InvalidRequestError(`offset ${offset} is past the end of ${cid.toString()} (${size} bytes)`, { cid: cid.toString(), size })
      }
      const length = Math.min(query.length ?? size - offset, size - offset)
      reply.code(200).type('application/octet-stream').header('content-length', String(length))
      if (length === 0) return reply.send(Buffer.alloc(0))

      // Aborting `stalled` stops the store's read when no chunk comes in time.
      const stalled = new AbortController()
      const chunks = withIdleTimeout(
        content.cat(cid, { offset, length, signal: AbortSignal.any([signal, stalled.signal]) }),
        limits.contentTimeoutMs,
        what,
        err => {
          stalled.abort(err)
        }
      )
      return reply.send(await readableAfterFirstChunk(chunks))
    },

    // The caller owns the socket (mode 0600), so it is the daemon's user: writing its file here
    // moves the bytes once instead of once more through the socket and the CLI.
    async exportContent ({ params, body }, { signal }) {
      const cid = toCid(params.cid)
      if (!isAbsolute(body.path)) throw new InvalidRequestError(`path ${body.path} is not absolute: the daemon does not know the caller's directory`, { path: body.path })
      try {
        const { size } = await content.getFile(cid, body.path, { signal })
        return { cid: cid.toString(), size, path: body.path }
      } catch (err: unknown) {
        if (err instanceof LocalFileError) {
          const code = (err.cause as NodeJS.ErrnoException | undefined)?.code ?? 'error'
          throw new ExportPathError(`the daemon cannot write ${body.path} (${code})`, { path: body.path, code }, { cause: err })
        }
        throw err
      }
    },

    async statContent ({ params }, { signal }) {
      const cid = toCid(params.cid)
      return await withDeadline(`content ${cid.toString()}`, limits.contentTimeoutMs, signal, async s => {
        const [stat, pinned] = await Promise.all([content.stat(cid, { signal: s }), content.isPinned(cid, { signal: s })])
        return { cid: cid.toString(), size: stat.size, local: stat.local, pinned }
      })
    }
  }
}
