import { AbortedError } from '../../errors.ts'
/**
 * Asks candidates `concurrency` at a time and resolves with the first that
 * says yes; the rest are cancelled, and a late yes is declined. Resolves
 * undefined when every candidate said no (their errors go to `onRefusal`).
 */
export interface FirstOfferOptions<T> {
  concurrency: number
  signal: AbortSignal
  /** A candidate that said no or failed. */
  onRefusal: (candidate: string, err: unknown) => void
  /** Releases an offer that came after the winner. */
  decline: (offer: T) => void
}

export async function firstOffer<T> (candidates: string[], ask: (candidate: string, signal: AbortSignal) => Promise<T>, options: FirstOfferOptions<T>): Promise<T | undefined> {
  const controller = new AbortController()
  const signal = AbortSignal.any([options.signal, controller.signal])
  const done = Promise.withResolvers<T | undefined>()
  let next = 0
  let running = 0
  let winner: T | undefined

  const launch = (): void => {
    while (winner === undefined && running < options.concurrency && next < candidates.length && !signal.aborted) {
      const candidate = candidates[next++]!
      running++
      ask(candidate, signal).then(offer => {
        if (winner !== undefined || options.signal.aborted) {
          options.decline(offer)
          return
        }
        winner = offer
        controller.abort(new AbortedError('another holder answered first')) // cancel the other questions
        done.resolve(offer)
      }, err => {
        if (winner === undefined && !options.signal.aborted) options.onRefusal(candidate, err)
      }).finally(() => {
        running--
        if (winner === undefined) {
          if (options.signal.aborted) done.reject(options.signal.reason)
          else if (running === 0 && next >= candidates.length) done.resolve(undefined)
          else launch()
        }
      })
    }
  }
  options.signal.throwIfAborted()
  if (candidates.length === 0) return undefined
  launch()
  return await done.promise
}
