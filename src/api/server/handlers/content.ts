import { AbortedError } from '../../../errors.ts'
import { LocalFileError } from '../../../store/index.ts'
import type { ContentStore } from '../../../store/index.ts'
import type { CID } from 'multiformats/cid'
import { contentRange, parseByteRange } from '../../byte-range.ts'
import { BodyTooLargeError, ExportPathError, InvalidRequestError, RangeNotSatisfiableError } from '../../errors.ts'
import { exportTarget } from '../export-target.ts'
import { logRequestError, toHttpError } from '../http-errors.ts'
import { routes } from '../../routes.ts'
import type { ExportLine, ExportResponse } from '../../schemas.ts'
import type { Logger } from '../../../log.ts'
import { OCTET_STREAM, SNIFF_BYTES, sniffMediaType } from '../../media-type.ts'
import type { HandlerMap } from '../handler.ts'
import { accepts, toCid, withDeadline } from '../handler.ts'
import { limitBytes, readableAfterFirstChunk, withIdleTimeout } from '../streams.ts'

export interface ContentLimits {
  maxUploadBytes: number
  /** Bound on any one wait for content: the stat, the first chunk, each later chunk. */
  contentTimeoutMs: number
  /** For the replies this module takes over (an export with progress): the app's hooks do not see them. */
  log?: Logger | undefined
  countRequest?: ((method: string, route: string, status: number) => void) | undefined
}

/** How often an export with progress says how far it is. */
const PROGRESS_INTERVAL_MS = 250

/** The `dag-json` multicodec. */
const DAG_JSON_CODE = 0x0129

type Part = { kind: 'all' | 'range', offset: number, length: number } | { kind: 'unsatisfiable' }

/** What a read serves: a `Range` header (206) or `?offset&length` (200), not both. */
function rangeOf (header: string | undefined, query: { offset?: number | undefined, length?: number | undefined }, size: number, cid: string): Part {
  const range = parseByteRange(header, size)
  if (range.kind !== 'none' && (query.offset !== undefined || query.length !== undefined)) {
    throw new InvalidRequestError('send a Range header or ?offset and ?length, not both', { cid })
  }
  if (range.kind === 'unsatisfiable') return range
  if (range.kind === 'range') return { kind: 'range', offset: range.start, length: range.end - range.start + 1 }
  const offset = query.offset ?? 0
  if (offset > size) {
    throw new InvalidRequestError(`offset ${offset} is past the end of ${cid} (${size} bytes)`, { cid, size })
  }
  return { kind: 'all', offset, length: Math.min(query.length ?? size - offset, size - offset) }
}

/** The media type from the content's first chunk (a block is far longer than the magic numbers). */
async function sniffContent (content: ContentStore, cid: CID, signal: AbortSignal): Promise<string> {
  for await (const chunk of content.cat(cid, { offset: 0, length: SNIFF_BYTES, signal })) return sniffMediaType(chunk)
  return OCTET_STREAM
}

export function tooLarge (declared: number, limit: number): BodyTooLargeError {
  return new BodyTooLargeError(`upload of ${declared} bytes is over the ${limit} byte limit (api.maxUploadBytes)`, { limit })
}

/** `/v1/content`: bytes stream in and out in the socket's chunks, never held whole. */
export function contentHandlers (content: ContentStore, limits: ContentLimits): Pick<HandlerMap, 'addContent' | 'catContent' | 'statContent' | 'exportContent' | 'getDocument'> {
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

    async catContent ({ params, query }, { request, reply, signal }) {
      const cid = toCid(params.cid)
      const what = `content ${cid.toString()}`
      const { size } = await withDeadline(what, limits.contentTimeoutMs, signal, s => content.stat(cid, { signal: s }))
      const part = rangeOf(request.headers.range, query, size, cid.toString())
      if (part.kind === 'unsatisfiable') {
        reply.header('content-range', contentRange(null, size))
        throw new RangeNotSatisfiableError(`the range ${request.headers.range ?? ''} starts past the end of ${cid.toString()} (${size} bytes)`, { cid: cid.toString(), size })
      }
      const { offset, length } = part
      // Content never changes under its CID: the type comes from its first bytes, wherever the read starts.
      const type = size === 0 ? OCTET_STREAM : await withDeadline(what, limits.contentTimeoutMs, signal, s => sniffContent(content, cid, s))
      reply.type(type).header('accept-ranges', 'bytes').header('etag', `"${cid.toString()}"`).header('content-length', String(length))
      if (part.kind === 'range') reply.code(206).header('content-range', contentRange({ start: offset, end: offset + length - 1 }, size))
      else reply.code(200)
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

    async getDocument ({ params }, { signal }) {
      const cid = toCid(params.cid)
      if (cid.code !== DAG_JSON_CODE) throw new InvalidRequestError(`${cid.toString()} is not a DAG-JSON document (codec 0x${cid.code.toString(16)}); use GET /v1/content/:cid for files`, { cid: cid.toString() })
      const document = await withDeadline(`document ${cid.toString()}`, limits.contentTimeoutMs, signal, s => content.getJson(cid, { signal: s }))
      return { cid: cid.toString(), document }
    },

    // The caller owns the socket (mode 0600), so it is the daemon's user (or root): writing its file
    // here moves the bytes once instead of once more through the socket and the CLI. It writes only
    // where the daemon's user could (export-target.ts), whoever asks.
    async exportContent ({ params, body }, { request, reply, signal }) {
      const cid = toCid(params.cid)
      const target = await exportTarget(body.path)
      const write = async (onProgress?: (written: number) => void): Promise<ExportResponse> => {
        try {
          const { size } = await content.getFile(cid, target, { signal, onProgress })
          return { cid: cid.toString(), size, path: body.path }
        } catch (err: unknown) {
          if (err instanceof LocalFileError) {
            const code = (err.cause as NodeJS.ErrnoException | undefined)?.code ?? 'error'
            throw new ExportPathError(`the daemon cannot write ${body.path} (${code})`, { path: body.path, code }, { cause: err })
          }
          throw err
        }
      }
      if (!accepts(request.headers.accept, 'application/x-ndjson')) return await write()

      // With progress: the size first (content nobody has fails here, as a plain HTTP error).
      const { size: total } = await withDeadline(`content ${cid.toString()}`, limits.contentTimeoutMs, signal, async s => await content.stat(cid, { signal: s }))
      const res = reply.raw
      reply.hijack()
      res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
      const send = (line: ExportLine): void => {
        if (!res.writableEnded) res.write(`${JSON.stringify(line)}\n`)
      }
      send({ progress: { done: 0, total } })
      let sentAt = performance.now()
      let status = 200
      try {
        send({
          result: await write(done => {
            // A few lines a second: enough for a bar, nothing for a fast local copy.
            if (performance.now() - sentAt < PROGRESS_INTERVAL_MS) return
            sentAt = performance.now()
            send({ progress: { done, total } })
          })
        })
      } catch (err: unknown) {
        const failure = toHttpError(err, `${request.method} ${routes.exportContent.path}`)
        status = failure.status
        if (limits.log !== undefined) logRequestError(limits.log, err, request, failure)
        send({ error: failure.body.error, status })
      }
      res.end()
      limits.countRequest?.(request.method, routes.exportContent.path, status)
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
