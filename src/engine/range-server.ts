import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createRequire } from 'node:module'
import { CID } from 'multiformats/cid'
import { TaskGroup } from '../lifecycle/index.ts'
import type * as Http from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AbortOptions, Startable } from '../lifecycle/index.ts'
import type { Logger } from '../log.ts'
import type { CatOptions } from '../store/index.ts'
import { present } from '../defined.ts'

/**
 * node:http through require, not import (as src/api/transport.ts): an ES import of it builds a
 * namespace of every export, whose lazy getters load undici (its 760 KB of source then stays in
 * the heap), http2 and zlib: ~80 ms of an embedded render's start, and memory in the daemon.
 * Required when the server starts: a render whose steps are all cached never does.
 */
const http = (): typeof Http => createRequire(import.meta.url)('node:http') as typeof Http

/**
 * Serves content to ffmpeg over HTTP on 127.0.0.1, with Range requests, so a
 * step that seeks into a large input (a transcode chunk) reads only the byte
 * ranges it asks for: each response streams `cat(cid, { offset, length })`
 * of the UnixFS DAG, and a closed connection stops the reads. Every exposed
 * CID has its own unguessable path (32 random bytes), valid until released;
 * any other path is 404.
 *
 * A Range request is answered one page at a time (`bytes=a-` gets `a` to the
 * next page boundary, then the connection closes; ffmpeg, run with
 * `-reconnect 1`, asks for the next page when it needs it). ffmpeg asks for
 * open ranges (`bytes=a-`) and stops reading when it has what it needs, but
 * loopback sockets buffer megabytes: answered whole, every request would
 * fetch that much more from peers than ffmpeg reads. Paged, a read fetches
 * at most one page past what ffmpeg takes.
 */
export interface RangeServerComponents {
  cat: (cid: CID, options: CatOptions) => AsyncIterable<Uint8Array>
  logger: Logger
}

export interface RangeServerInit {
  /**
   * The most one response to a Range request carries: it ends at the next
   * multiple of this (a block boundary, so each page is one block to fetch).
   * @default DEFAULT_RANGE_PAGE_BYTES (1 MiB, the content's block size)
   */
  pageBytes?: number
  /**
   * Bytes read from the store at a time for a response without a Range
   * header (the whole content). @default 2 MiB
   */
  windowBytes?: number
}

export const DEFAULT_RANGE_PAGE_BYTES = 1024 * 1024
export const DEFAULT_RANGE_WINDOW_BYTES = 2 * 1024 * 1024
/** A page that would end this close to its start takes the next one too. */
const MIN_PAGE_BYTES = 64 * 1024

/** What was read through one exposed URL. */
export interface RangeStats {
  requests: number
  /** Bytes sent to the client (what ffmpeg read). */
  bytes: number
}

export interface ExposedContent {
  url: string
  stats: RangeStats
  /** The URL answers 404 from now on. */
  release: () => void
}

interface Entry {
  cid: CID
  size: number
  from?: string[]
  stats: RangeStats
}

type Range = { start: number, end: number } | 'unsatisfiable' | null

/**
 * The part of a satisfiable range one response carries: up to the next
 * multiple of `page` after its start (and the page after that when the first
 * would carry less than 64 KiB), never past the range's end.
 */
export function pageOf (range: { start: number, end: number }, page: number): { start: number, end: number } {
  let end = (Math.floor(range.start / page) + 1) * page
  if (end - range.start < Math.min(MIN_PAGE_BYTES, page)) end += page
  return { start: range.start, end: Math.min(range.end, end) }
}

/** One `bytes=a-b`, `bytes=a-` or `bytes=-n` range; several ranges are answered with the whole file. */
export function parseRange (header: string | undefined, size: number): Range {
  if (header == null) return null
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (match == null) return null
  const [, a, b] = match as unknown as [string, string, string]
  if (a === '' && b === '') return null
  if (a === '') {
    const n = Number(b)
    if (n === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - n), end: size }
  }
  const start = Number(a)
  const end = b === '' ? size : Math.min(size, Number(b) + 1)
  if (!Number.isSafeInteger(start) || start >= size || end <= start) return 'unsatisfiable'
  return { start, end }
}

export class RangeServer implements Startable {
  readonly #c: RangeServerComponents
  readonly #page: number
  readonly #window: number
  readonly #entries = new Map<string, Entry>()
  readonly #log: Logger
  #server: Server | undefined
  #starting: Promise<void> | undefined
  #port = 0
  #controller = new AbortController()
  #tasks: TaskGroup
  /** Bytes sent through every URL since start. */
  bytesServed = 0

  constructor (components: RangeServerComponents, init: RangeServerInit = {}) {
    this.#c = components
    this.#page = init.pageBytes ?? DEFAULT_RANGE_PAGE_BYTES
    this.#window = init.windowBytes ?? DEFAULT_RANGE_WINDOW_BYTES
    this.#log = components.logger.forComponent('artdag:range-server')
    this.#tasks = new TaskGroup((err, name) => {
      this.#log.debug({ err, name }, 'response ended with an error')
    })
  }

  /** Listens on a loopback port; the first expose() does it when nobody did (an embedded render starts it only for a step that needs it). */
  async start (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    this.#starting ??= this.#listen().catch((err: unknown) => {
      this.#starting = undefined
      throw err
    })
    await this.#starting
  }

  async #listen (): Promise<void> {
    this.#controller = new AbortController()
    const server = http().createServer((req, res) => {
      this.#tasks.add('range response', this.#answer(req, res))
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    this.#port = (server.address() as AddressInfo).port
    this.#server = server
  }

  async stop (): Promise<void> {
    const starting = this.#starting
    if (starting == null) return
    this.#starting = undefined
    // A start that failed was reported to whoever awaited it; stopping only waits for it to settle.
    await starting.catch(() => {})
    const server = this.#server
    if (server == null) return
    this.#server = undefined
    this.#controller.abort()
    this.#entries.clear()
    server.closeAllConnections()
    await new Promise<void>(resolve => {
      server.close(() => {
        resolve()
      })
    })
    await this.#tasks.drain()
  }

  /** A URL ffmpeg can read `cid` (a UnixFS file of `size` bytes) from, until released; starts the server if it is not running. */
  async expose (cid: string, size: number, options: { from?: string[] } = {}): Promise<ExposedContent> {
    await this.start()
    const token = randomBytes(32).toString('base64url')
    const parsed = CID.parse(cid)
    const stats: RangeStats = { requests: 0, bytes: 0 }
    this.#entries.set(token, { cid: parsed, size, stats, ...present({ from: options.from }) })
    return {
      url: `http://127.0.0.1:${this.#port}/${token}/${parsed.toString()}`,
      stats,
      release: () => {
        this.#entries.delete(token)
      }
    }
  }

  async #answer (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = /^\/([A-Za-z0-9_-]{43})\/[A-Za-z0-9]+$/.exec(req.url ?? '')?.[1]
    const entry = token != null ? this.#entries.get(token) : undefined
    if (entry == null || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(entry == null ? 404 : 405).end()
      return
    }
    entry.stats.requests++
    const range = parseRange(req.headers.range, entry.size)
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'content-range': `bytes */${entry.size}` }).end()
      return
    }
    // A Range request gets one page, then the connection closes: ffmpeg asks for the next when it needs it.
    const { start, end } = range != null ? pageOf(range, this.#page) : { start: 0, end: entry.size }
    res.writeHead(range != null ? 206 : 200, {
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
      'content-length': String(end - start),
      ...(range != null ? { 'content-range': `bytes ${start}-${end - 1}/${entry.size}`, connection: 'close' } : {})
    })
    if (req.method === 'HEAD' || end === start) {
      res.end()
      return
    }
    const closed = new AbortController()
    res.once('close', () => {
      closed.abort()
    })
    const signal = AbortSignal.any([closed.signal, this.#controller.signal])
    try {
      for (let offset = start; offset < end && !signal.aborted; offset += this.#window) {
        const length = Math.min(this.#window, end - offset)
        for await (const chunk of this.#c.cat(entry.cid, { offset, length, signal, ...present({ from: entry.from }) })) {
          if (signal.aborted) break
          entry.stats.bytes += chunk.byteLength
          this.bytesServed += chunk.byteLength
          // An aborted wait means the client left: the loop's next check of the signal ends the answer.
          if (!res.write(chunk)) await once(res, 'drain', { signal }).catch(() => {})
        }
      }
      res.end()
    } catch (err: unknown) {
      // ffmpeg went away (it read what it needed), or the store failed: either way the response is cut short.
      if (!signal.aborted) this.#log.warn({ err, cid: entry.cid.toString() }, 'a ranged read failed')
      res.destroy()
    }
  }
}
