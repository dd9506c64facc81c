import { Readable } from 'node:stream'
import { TimeoutError } from '../../errors.ts'
import { BodyTooLargeError } from '../errors.ts'

/**
 * Stream helpers for the content routes: bytes flow through in the chunks the
 * socket delivers, never gathered whole.
 */

/** Passes chunks through, throwing BodyTooLargeError once more than `maxBytes` arrived. */
export async function* limitBytes (source: AsyncIterable<Uint8Array>, maxBytes: number, counter: { bytes: number }): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    counter.bytes += chunk.byteLength
    if (counter.bytes > maxBytes) {
      throw new BodyTooLargeError(`upload is over the ${maxBytes} byte limit (api.maxUploadBytes)`, { limit: maxBytes })
    }
    yield chunk
  }
}

/**
 * Reads `source` with a bound on each wait: when no chunk comes for `timeoutMs`
 * (a block nobody provides), `onTimeout` aborts the producer and the read
 * fails with a TimeoutError that says what was being read.
 */
export async function* withIdleTimeout<T> (source: AsyncIterable<T>, timeoutMs: number, what: string, onTimeout: (err: TimeoutError) => void): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]()
  // True while a next() is outstanding: after a timeout the producer may be stuck in it.
  let waiting = false
  try {
    while (true) {
      let timer: NodeJS.Timeout | undefined
      const timedOut = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          const err = new TimeoutError(`no data for ${what} within ${timeoutMs} ms`, { timeoutMs })
          onTimeout(err)
          reject(err)
        }, timeoutMs)
      })
      waiting = true
      let next: IteratorResult<T>
      try {
        next = await Promise.race([iterator.next(), timedOut])
      } finally {
        clearTimeout(timer)
      }
      waiting = false
      if (next.done === true) return
      yield next.value
    }
  } finally {
    // Close the producer on every exit; do not wait on one stuck in a next() (onTimeout aborted it).
    // Closing the producer is best effort; its own error has been reported through the stream.
    const closing = Promise.resolve(iterator.return?.()).catch(() => {})
    if (!waiting) await closing
  }
}

/**
 * Waits for the first chunk before anything is sent, so a missing CID or a
 * timeout can still become a proper status; then streams the rest.
 */
export async function readableAfterFirstChunk (source: AsyncIterable<Uint8Array>): Promise<Readable> {
  const iterator = source[Symbol.asyncIterator]()
  const first = await iterator.next()
  async function* rest (): AsyncGenerator<Uint8Array> {
    try {
      if (first.done === true) return
      yield first.value
      while (true) {
        const next = await iterator.next()
        if (next.done === true) return
        yield next.value
      }
    } finally {
      // Closing the producer is best effort once the consumer is gone.
      await iterator.return?.()?.catch(() => {})
    }
  }
  return Readable.from(rest(), { objectMode: false })
}
