import { request } from 'node:http'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { RangeServer } from '../../../src/engine/range-server.ts'
import { silentLogger } from '../../../src/log.ts'
import type { CatOptions } from '../../../src/store/index.ts'

const BYTES = new TextEncoder().encode('0123456789abcdefghij')

async function server (): Promise<{ ranges: RangeServer, cid: string }> {
  const cid = CID.createV1(raw.code, await sha256.digest(BYTES)).toString()
  const ranges = new RangeServer({
    async *cat (_cid: CID, options: CatOptions) {
      const offset = options.offset ?? 0
      yield BYTES.subarray(offset, offset + (options.length ?? BYTES.length - offset))
    },
    logger: silentLogger()
  })
  return { ranges, cid }
}

function get (url: string, range: string): Promise<{ status: number, body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { range } }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', chunk => {
        body += chunk
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    }).on('error', reject).end()
  })
}

describe('the range server', () => {
  it('starts at the first expose when nobody started it, and serves byte ranges', async () => {
    const { ranges, cid } = await server()
    try {
      const exposed = await ranges.expose(cid, BYTES.length)
      expect(await get(exposed.url, 'bytes=5-9')).toEqual({ status: 206, body: '56789' })
      // A second expose uses the same server.
      const again = await ranges.expose(cid, BYTES.length)
      expect(new URL(again.url).port).toBe(new URL(exposed.url).port)
    } finally {
      await ranges.stop()
    }
  })

  it('stops cleanly when it never started (a render whose steps were all cached)', async () => {
    const { ranges } = await server()
    await ranges.stop()
    await ranges.start()
    await ranges.stop()
  })
})
