import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createProgress } from '../../../src/cli/progress.ts'

/** A terminal-like stream that keeps what is written to it. */
function terminal (): PassThrough & { isTTY: boolean, columns: number, text: () => string } {
  const out = new PassThrough() as PassThrough & { isTTY: boolean, columns: number, text: () => string }
  const chunks: Buffer[] = []
  out.on('data', (chunk: Buffer) => chunks.push(chunk))
  out.isTTY = true
  out.columns = 120
  out.text = () => Buffer.concat(chunks).toString('utf8')
  return out
}

describe('the transfer progress bar', () => {
  it('shows "ETA --" while nothing has moved, not the library\'s cut "INF", then a time once bytes move', () => {
    const out = terminal()
    const bar = createProgress(out, true, 'get bafy…', 100 * 1024 ** 2)
    bar.update(0)
    bar.update(0)
    expect(out.text()).toContain('0% | 0.0/100.0 MiB | ETA --')
    expect(out.text()).not.toMatch(/NFs|INF/)
    bar.update(50 * 1024 ** 2)
    bar.stop()
    expect(out.text()).toMatch(/50% \| 50\.0\/100\.0 MiB \| ETA \d/)
  })

  it('draws nothing when the stream is not a terminal', () => {
    const out = terminal()
    out.isTTY = false
    const bar = createProgress(out, true, 'get bafy…', 100)
    bar.update(50)
    bar.stop()
    expect(out.text()).toBe('')
  })
})
