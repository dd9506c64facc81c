import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { handleShutdownSignals } from '../../../src/cli/signals.ts'
import { FakeSignals } from './helpers.ts'

describe('shutdown signals', () => {
  it('the first SIGINT aborts the command; the second forces the exit', () => {
    const signals = new FakeSignals()
    const stderr = new PassThrough()
    const handle = handleShutdownSignals(signals, stderr, { graceful: true })
    signals.raise('SIGINT')
    expect(handle.signal.aborted).toBe(true)
    expect(handle.signal.reason).toMatchObject({ name: 'AbortedError', kind: 'aborted' })
    expect(signals.exits).toEqual([])
    signals.raise('SIGTERM')
    expect(signals.exits).toEqual([143])
    expect(stderr.read().toString()).toBe('received SIGINT, stopping (send it again to force)\nreceived SIGTERM again, exiting now\n')
    handle.dispose()
    expect(signals.listenerCount('SIGINT')).toBe(0)
    expect(signals.listenerCount('SIGTERM')).toBe(0)
  })
})
