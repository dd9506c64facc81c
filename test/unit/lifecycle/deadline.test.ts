import { getEventListeners } from 'node:events'
import { describe, expect, it } from 'vitest'
import { deadline } from '../../../src/lifecycle/index.ts'

describe('deadline', () => {
  it('aborts with a TimeoutError once its time is up, and says so', async () => {
    const bound = deadline(20)
    const aborted = new Promise(resolve => bound.signal.addEventListener('abort', resolve, { once: true }))
    const started = performance.now()
    await aborted
    expect(performance.now() - started).toBeGreaterThanOrEqual(15)
    expect(bound.timedOut).toBe(true)
    expect((bound.signal.reason as DOMException).name).toBe('TimeoutError')
    bound.clear()
  })

  it("follows the caller's signal with its reason, already aborted or later", () => {
    const caller = new AbortController()
    const bound = deadline(60_000, caller.signal)
    caller.abort(new Error('stop'))
    expect(bound.signal.aborted).toBe(true)
    expect(bound.timedOut).toBe(false)
    expect((bound.signal.reason as Error).message).toBe('stop')
    bound.clear()
    expect(deadline(60_000, caller.signal).signal.reason).toBe(caller.signal.reason)
  })

  it("leaves nothing behind when cleared: no listener on the caller's signal, no abort later", async () => {
    const shutdown = new AbortController()
    const bounds = Array.from({ length: 100 }, () => deadline(10, shutdown.signal))
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(100)
    for (const bound of bounds) bound.clear()
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0)
    await new Promise(resolve => setTimeout(resolve, 30)) // past the 10 ms: a timer still set would have fired
    expect(bounds.every(bound => !bound.signal.aborted && !bound.timedOut)).toBe(true)
  })
})
