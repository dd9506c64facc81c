import { createParser } from 'eventsource-parser'
import { useEffect, useRef, useState } from 'preact/hooks'
import type { ApiEvent } from '../../src/api/schemas.ts'
import { apiEventSchema } from '../../src/api/schemas.ts'
import { ApiError, openEvents } from './api.ts'

/**
 * One Server-Sent Events stream from the daemon's event bus for the whole
 * page; views subscribe to it and refetch only what an event says changed.
 * When the stream drops it reconnects (1 s, doubling to 10 s) and tells every
 * view to resync, since events may have been missed meanwhile.
 */

export type LiveState = 'connecting' | 'live' | 'offline'
type EventListener = (event: ApiEvent) => void

const listeners = new Set<EventListener>()
const resyncListeners = new Set<() => void>()
const stateListeners = new Set<(state: LiveState) => void>()
let state: LiveState = 'connecting'
let controller: AbortController | undefined

function setState (next: LiveState): void {
  state = next
  for (const listener of stateListeners) listener(next)
}

async function run (signal: AbortSignal): Promise<void> {
  let delay = 1000
  while (!signal.aborted) {
    try {
      const res = await openEvents(signal)
      setState('live')
      delay = 1000
      for (const listener of resyncListeners) listener()
      const parser = createParser({
        onEvent: message => {
          let parsed
          try {
            parsed = apiEventSchema.safeParse(JSON.parse(message.data))
          } catch {
            return
          }
          if (!parsed.success) return
          for (const listener of listeners) listener(parsed.data)
        }
      })
      const reader = (res.body as ReadableStream<Uint8Array>).getReader()
      const decoder = new TextDecoder()
      while (true) {
        const { done, value } = await reader.read()
        if (done) break
        parser.feed(decoder.decode(value, { stream: true }))
      }
    } catch (err: unknown) {
      if (signal.aborted) return
      if (err instanceof ApiError && err.status === 401) {
        setState('offline')
        return
      }
    }
    setState('offline')
    await new Promise(resolve => setTimeout(resolve, delay))
    delay = Math.min(delay * 2, 10_000)
  }
}

export function startLive (): void {
  if (controller !== undefined) return
  controller = new AbortController()
  void run(controller.signal)
}

export function stopLive (): void {
  controller?.abort()
  controller = undefined
}

export function subscribe (listener: EventListener): () => void {
  listeners.add(listener)
  return () => {
    listeners.delete(listener)
  }
}

/** The stream's state, for the header's indicator. */
export function useLiveState (): LiveState {
  const [value, setValue] = useState(state)
  useEffect(() => {
    stateListeners.add(setValue)
    return () => {
      stateListeners.delete(setValue)
    }
  }, [])
  return value
}

/** Calls `handler` for every event `matches` accepts while the component is mounted. */
export function useEvents (matches: (event: ApiEvent) => boolean, handler: (event: ApiEvent) => void): void {
  const latest = useRef({ matches, handler })
  latest.current = { matches, handler }
  useEffect(() =>
    subscribe(event => {
      if (latest.current.matches(event)) latest.current.handler(event)
    }), [])
}

/**
 * Data loaded by `load`, reloaded when `reloadOn` accepts an event and after a
 * reconnect. Reloads are coalesced: one at a time, and a burst of events while
 * one runs makes one more, not one per event.
 */
export function useLiveData<T> (
  load: (signal: AbortSignal) => Promise<T>,
  reloadOn: (event: ApiEvent) => boolean,
  deps: unknown[]
): { data: T | undefined, error: Error | undefined, reload: () => void, setData: (update: (data: T | undefined) => T | undefined) => void } {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState<Error | undefined>(undefined)
  const control = useRef({ running: false, again: false, signal: new AbortController().signal, load })
  control.current.load = load

  const reload = (): void => {
    const c = control.current
    if (c.running) {
      c.again = true
      return
    }
    c.running = true
    const signal = c.signal
    void c.load(signal).then(value => {
      if (signal.aborted) return
      setData(() => value)
      setError(undefined)
    }, (err: Error) => {
      if (!signal.aborted) setError(err)
    }).finally(() => {
      c.running = false
      if (c.again && !signal.aborted) {
        c.again = false
        reload()
      }
    })
  }

  useEffect(() => {
    const abort = new AbortController()
    control.current.signal = abort.signal
    control.current.running = false
    control.current.again = false
    setData(undefined)
    reload()
    resyncListeners.add(reload)
    return () => {
      abort.abort()
      resyncListeners.delete(reload)
    }
  }, deps)
  useEvents(reloadOn, reload)
  return {
    data,
    error,
    reload,
    setData: update => {
      setData(update)
    }
  }
}

/** Re-renders every `ms` (relative times, ETAs): the page's own clock, no request. */
export function useNow (ms = 1000): number {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now())
    }, ms)
    return () => {
      clearInterval(timer)
    }
  }, [ms])
  return now
}
