import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { CommandContext } from '../../../src/cli/command.ts'
import { saveContent } from '../../../src/cli/save-content.ts'
import type { HomeContent } from '../../../src/cli/home-content.ts'

/** A context whose progress bars record what they were told. */
function recordingContext (): { ctx: CommandContext, bars: Array<{ label: string, total: number | undefined, updates: number[], stopped: boolean }> } {
  const bars: Array<{ label: string, total: number | undefined, updates: number[], stopped: boolean }> = []
  const ctx = {
    signal: new AbortController().signal,
    progress: (label: string, total?: number) => {
      const bar = { label, total, updates: [] as number[], stopped: false }
      bars.push(bar)
      return {
        update: (done: number) => bar.updates.push(done),
        stop: () => {
          bar.stopped = true
        }
      }
    }
  } as unknown as CommandContext
  return { ctx, bars }
}

const CID = 'bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq'

describe('saveContent (artdag get)', () => {
  it('shows a bar while the daemon writes the file itself, from what it says', async () => {
    const { ctx, bars } = recordingContext()
    const client: Pick<HomeContent, 'exportFile' | 'cat'> = {
      exportFile: async (cid, path, options) => {
        for (const done of [0, 4096, 8192]) options.onProgress?.({ done, total: 8192 })
        return { cid, size: 8192, path }
      },
      cat: async () => await Promise.reject(new Error('not asked'))
    }
    expect(await saveContent(client, CID, '/tmp/x.bin', ctx)).toEqual({ cid: CID, size: 8192, path: '/tmp/x.bin' })
    expect(bars).toEqual([{ label: `get ${CID.slice(0, 12)}…`, total: 8192, updates: [0, 4096, 8192], stopped: true }])
  })

  it('stops the bar when the daemon may not write there, and shows the download through the socket instead', async () => {
    const { ctx, bars } = recordingContext()
    const client: Pick<HomeContent, 'exportFile' | 'cat'> = {
      exportFile: async (_cid, _path, options) => {
        options.onProgress?.({ done: 0, total: 3 })
        throw Object.assign(new Error('the daemon cannot write /nope/x.bin (EACCES)'), { name: 'ExportPathError' })
      },
      cat: async () => ({
        size: 3,
        body: (async function* () {
          yield new Uint8Array([1, 2, 3])
        })()
      })
    }
    const dir = await mkdtemp(join(tmpdir(), 'artdag-save-'))
    try {
      expect(await saveContent(client, CID, join(dir, 'x.bin'), ctx)).toMatchObject({ size: 3 })
      expect([...await readFile(join(dir, 'x.bin'))]).toEqual([1, 2, 3])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    expect(bars.map(b => [b.total, b.stopped])).toEqual([[3, true], [3, true]])
    expect(bars[1]?.updates).toEqual([3])
  })
})
