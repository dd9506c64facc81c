import { execFile } from 'node:child_process'
import { request } from 'node:http'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RangeServer } from '../../../src/engine/range-server.ts'
import { silentLogger } from '../../../src/log.ts'
import { expandTranscode } from '../../../src/plan/transcode/expand.ts'
import { createBench } from './fixtures.ts'
import type { Bench } from './fixtures.ts'
import type { TranscodeFacts } from '../../../src/plan/transcode/analysis.ts'

/**
 * Issue 10, "only the needed bytes move": the range server answers ffmpeg one
 * page at a time, so a chunk that seeks into the middle of its source asks the
 * store for its own part of the file, the container's header and its index
 * (the pages ffmpeg reads), and at most a page past its end; not for the
 * megabytes a loopback socket would buffer ahead of ffmpeg.
 */
const run = promisify(execFile)
/** Small pages for a small source: the same reads, in proportion, as 1 MiB pages of a long film. */
const PAGE = 64 * 1024

let bench: Bench
let source: string
let bytes: Buffer
let cid: CID
/** The pages of the source the store was asked for. */
const touched = new Set<number>()
let server: RangeServer

beforeAll(async () => {
  bench = await createBench()
  source = join(bench.dir, 'source.mkv')
  // 20 s with a keyframe every second: about 40 pages.
  await run(bench.binaries.ffmpeg.path, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x240:r=25:d=20', '-f', 'lavfi', '-i', 'sine=d=20', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '25', '-bf', '2', '-c:a', 'aac', source])
  bytes = await readFile(source)
  cid = CID.createV1(raw.code, await sha256.digest(bytes))
  server = new RangeServer({
    async *cat (_cid, options) {
      const start = options.offset ?? 0
      const end = Math.min(bytes.length, start + (options.length ?? bytes.length))
      for (let page = Math.floor(start / PAGE); page * PAGE < end; page++) touched.add(page)
      yield bytes.subarray(start, end)
    },
    logger: silentLogger()
  }, { pageBytes: PAGE })
  await server.start()
}, 60_000)

afterAll(async () => {
  await server?.stop()
  await bench?.close()
})

function get (url: string, range?: string): Promise<{ status: number, headers: Record<string, string | string[] | undefined>, length: number }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: range !== undefined ? { range } : {} }, res => {
      let length = 0
      res.on('data', (chunk: Buffer) => {
        length += chunk.byteLength
      })
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, length })
      })
    }).on('error', reject).end()
  })
}

describe('the range server', () => {
  it('answers a Range request with one page and closes; a request without one gets the whole file', async () => {
    const exposed = await server.expose(cid.toString(), bytes.length)
    try {
      const first = await get(exposed.url, 'bytes=0-')
      expect(first).toMatchObject({ status: 206, length: PAGE })
      expect(first.headers['content-range']).toBe(`bytes 0-${PAGE - 1}/${bytes.length}`)
      expect(first.headers.connection).toBe('close')
      // A start just before a page's end takes the next page too.
      const late = await get(exposed.url, `bytes=${PAGE - 100}-`)
      expect(late.headers['content-range']).toBe(`bytes ${PAGE - 100}-${2 * PAGE - 1}/${bytes.length}`)
      // A bounded range inside a page is answered as asked; the file's end is its end.
      expect((await get(exposed.url, 'bytes=10-19')).length).toBe(10)
      expect((await get(exposed.url, 'bytes=-10')).headers['content-range']).toBe(`bytes ${bytes.length - 10}-${bytes.length - 1}/${bytes.length}`)
      expect(await get(exposed.url)).toMatchObject({ status: 200, length: bytes.length })
    } finally {
      exposed.release()
    }
  })

  it('lets a chunk in the middle of its source read its own pages, the header and the index, and every frame', async () => {
    const analysis = await server.expose(cid.toString(), bytes.length)
    let facts: TranscodeFacts
    try {
      facts = JSON.parse(await readFile((await bench.render('analyze', { keyframes: true }, [analysis.url])).file, 'utf8')) as TranscodeFacts
    } finally {
      analysis.release()
    }
    const expanded = expandTranscode({ node: 'out', input: 'source' }, { chunkSeconds: 4 }, { cid: 'unused', facts })
    const index = 2
    const chunk = expanded.chunks[index]!
    const next = expanded.chunks[index + 1]!
    const video = facts.video!
    const from = video.keyframes.find(k => k.pts === chunk.startPts)?.pos as number
    const to = video.keyframes.find(k => k.pts === next.startPts)?.pos as number

    touched.clear()
    const exposed = await server.expose(cid.toString(), bytes.length)
    try {
      const { file } = await bench.render('transcode_chunk', expanded.nodes[`out-chunk-00${index}`]!.config, [exposed.url])
      const packets = await run(bench.binaries.ffprobe.path, ['-v', 'error', '-count_packets', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file])
      expect(Number(packets.stdout.trim())).toBe(chunk.frames)
    } finally {
      exposed.release()
    }
    // Its own pages, the first (the header) and the last (the index), and two more at most (the
    // header's probe reads past the first page; ffmpeg reads a little past the chunk's end).
    const own = new Set<number>()
    for (let page = Math.floor(from / PAGE); page * PAGE < to; page++) own.add(page)
    const extra = [...touched].filter(page => !own.has(page) && page !== 0 && page !== Math.floor((bytes.length - 1) / PAGE))
    expect(extra.length).toBeLessThanOrEqual(2)
    expect(touched.size).toBeLessThanOrEqual(own.size + 4)
  }, 120_000)
})
