import { describe, expect, it } from 'vitest'
import { ComponentRun } from '../../../src/lifecycle/index.ts'
import { manualTime } from './manual-time.ts'

describe('ComponentRun', () => {
  it('runs timers on the injected scheduler; end() aborts, clears them and awaits the tasks', async () => {
    const scheduler = manualTime()
    const run = new ComponentRun({ name: 'the test component', scheduler, onTaskError: () => {} })
    let ticks = 0
    let once = 0
    run.every(100, () => {
      ticks++
    })
    run.after(250, () => {
      once++
    })
    scheduler.advance(350)
    expect([ticks, once]).toEqual([3, 1])

    let finished = false
    const task = Promise.withResolvers<void>()
    run.track(
      'work',
      task.promise.then(() => {
        finished = true
      })
    )
    const ending = run.end()
    expect(run.signal.aborted).toBe(true)
    expect(run.signal.reason).toMatchObject({ name: 'AbortedError', message: 'the test component is stopping' })
    expect(scheduler.pending()).toBe(0)
    task.resolve()
    await ending
    expect(finished).toBe(true)
    run.after(10, () => {
      once++
    })
    expect(scheduler.pending()).toBe(0) // an ended run sets no timer
  })

  it('sleep resolves after its time, or at once when the run ends', async () => {
    const scheduler = manualTime()
    const run = new ComponentRun({ name: 'x', scheduler, onTaskError: () => {} })
    const slept = run.sleep(1000)
    scheduler.advance(1000)
    await slept
    const cut = run.sleep(60_000)
    await run.end()
    await cut
    expect(scheduler.pending()).toBe(0)
  })

  it('reports a failed task without failing end()', async () => {
    const errors: string[] = []
    const run = new ComponentRun({ name: 'x', onTaskError: (err, task) => errors.push(`${task}: ${(err as Error).message}`) })
    run.track('publish', Promise.reject(new Error('no peers')))
    await run.end()
    expect(errors).toEqual(['publish: no peers'])
  })
})
