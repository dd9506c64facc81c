/** A bound on one operation: its signal, whether the time ran out, and `clear()` for when it is over. */
export interface Deadline {
  /** Aborts when the caller's signal does (with its reason) or after the time (a `TimeoutError`). */
  readonly signal: AbortSignal
  /** The time ran out (not the caller's signal). */
  readonly timedOut: boolean
  /** Ends the timer and the listener on the caller's signal: call it when the operation is over. */
  clear: () => void
}

/**
 * What `AbortSignal.any([signal, AbortSignal.timeout(ms)])` gives, made to end with the
 * operation. `AbortSignal.timeout`'s timer outlives the call and fires `ms` later anyway (a
 * `DOMException` with its stack and an abort event that nobody needs: ~1 % of a busy daemon's
 * main thread, docs/BENCHMARKS.md), and `AbortSignal.any` keeps WeakRefs and a
 * FinalizationRegistry entry on every source. Here one controller, one timer and at most one
 * listener, all gone at `clear()`.
 */
export function deadline (ms: number, signal?: AbortSignal): Deadline {
  const controller = new AbortController()
  let timedOut = false
  const onAbort = (): void => {
    controller.abort(signal?.reason)
  }
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort(new DOMException(`The operation was aborted due to timeout (${ms} ms)`, 'TimeoutError'))
  }, ms)
  timer.unref()
  if (signal?.aborted === true) onAbort()
  else signal?.addEventListener('abort', onAbort, { once: true })
  return {
    signal: controller.signal,
    get timedOut () {
      return timedOut
    },
    clear: () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
  }
}
