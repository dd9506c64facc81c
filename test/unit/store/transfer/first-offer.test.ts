import { describe, expect, it } from 'vitest'
import { firstOffer } from '../../../../src/store/transfer/first-offer.ts'

/** A candidate's answer, settled by the test. */
function gate () {
  const asked: string[] = []
  const answers = new Map<string, PromiseWithResolvers<string>>()
  const signals = new Map<string, AbortSignal>()
  const ask = async (candidate: string, signal: AbortSignal): Promise<string> => {
    asked.push(candidate)
    signals.set(candidate, signal)
    const answer = Promise.withResolvers<string>()
    answers.set(candidate, answer)
    return await answer.promise
  }
  return { asked, answers, signals, ask }
}

const tick = async (): Promise<void> => {
  await new Promise(resolve => setImmediate(resolve))
}

describe('firstOffer', () => {
  it('asks a few at a time, moves on after each no, takes the first yes and cancels the rest', async () => {
    const { asked, answers, signals, ask } = gate()
    const refused: string[] = []
    const declined: string[] = []
    const offer = firstOffer(['p1', 'p2', 'p3', 'p4'], ask, { concurrency: 2, signal: new AbortController().signal, onRefusal: p => refused.push(p), decline: o => declined.push(o) })
    await tick()
    expect(asked).toEqual(['p1', 'p2'])
    answers.get('p1')!.reject(new Error('not here'))
    await tick()
    expect(asked).toEqual(['p1', 'p2', 'p3'])
    answers.get('p3')!.resolve('offer-p3')
    expect(await offer).toBe('offer-p3')
    expect(signals.get('p2')!.aborted).toBe(true)
    answers.get('p2')!.resolve('offer-p2') // a late yes
    await tick()
    expect(declined).toEqual(['offer-p2'])
    expect(refused).toEqual(['p1'])
    expect(asked).not.toContain('p4')
  })

  it('resolves undefined when everyone says no, at once with no candidates', async () => {
    const { answers, ask } = gate()
    const refused: string[] = []
    const offer = firstOffer(['p1', 'p2'], ask, { concurrency: 3, signal: new AbortController().signal, onRefusal: p => refused.push(p), decline: () => {} })
    await tick()
    answers.get('p2')!.reject(new Error('no'))
    answers.get('p1')!.reject(new Error('no'))
    expect(await offer).toBeUndefined()
    expect(refused.sort()).toEqual(['p1', 'p2'])
    expect(await firstOffer([], ask, { concurrency: 3, signal: new AbortController().signal, onRefusal: () => {}, decline: () => {} })).toBeUndefined()
  })

  it("the caller's abort rejects and reaches every question", async () => {
    const { answers, signals, ask } = gate()
    const controller = new AbortController()
    const offer = firstOffer(['p1', 'p2'], ask, { concurrency: 2, signal: controller.signal, onRefusal: () => {}, decline: () => {} })
    await tick()
    controller.abort(new Error('stop'))
    expect(signals.get('p1')!.aborted && signals.get('p2')!.aborted).toBe(true)
    for (const answer of answers.values()) answer.reject(new Error('aborted'))
    await expect(offer).rejects.toThrow('stop')
  })
})
