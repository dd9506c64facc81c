import { describe, expect, it } from 'vitest'
import { GcGuard } from '../../../src/store/gc-guard.ts'

describe('GcGuard', () => {
  it('gc waits for running adds; adds that come during gc wait for it', async () => {
    const guard = new GcGuard()
    const order: string[] = []
    const addGate = Promise.withResolvers<void>()
    const add1 = guard.shared(async () => {
      order.push('add1 start')
      await addGate.promise
      order.push('add1 end')
    })
    const gcGate = Promise.withResolvers<void>()
    const gc = guard.exclusive(async () => {
      order.push('gc start')
      await gcGate.promise
      order.push('gc end')
      return 7
    })
    const add2 = guard.shared(async () => {
      order.push('add2')
    })
    await new Promise(resolve => setImmediate(resolve))
    expect(order).toEqual(['add1 start'])
    addGate.resolve()
    await add1
    await new Promise(resolve => setImmediate(resolve))
    expect(order).toEqual(['add1 start', 'add1 end', 'gc start'])
    gcGate.resolve()
    expect(await gc).toBe(7)
    await add2
    expect(order).toEqual(['add1 start', 'add1 end', 'gc start', 'gc end', 'add2'])
  })

  it('a failing run releases the guard', async () => {
    const guard = new GcGuard()
    await expect(guard.shared(async () => {
      throw new Error('add failed')
    })).rejects.toThrow('add failed')
    await expect(guard.exclusive(async () => {
      throw new Error('gc failed')
    })).rejects.toThrow('gc failed')
    expect(await guard.exclusive(async () => 'ok')).toBe('ok')
    expect(await guard.shared(async () => 'ok')).toBe('ok')
  })
})
