/**
 * The one lifecycle every component follows (after js-libp2p's Startable):
 * `start()` takes a signal that aborts a slow start; a start that fails undoes
 * what it did before it rethrows; `stop()` aborts the controller made at that
 * start, clears the component's timers, awaits the tasks it started and leaves
 * no handle behind. Both are idempotent.
 */
export interface AbortOptions {
  signal?: AbortSignal | undefined
}

/**
 * `{ signal }` when there is one, else `{}`: for libraries whose options do not
 * accept `signal: undefined` (exactOptionalPropertyTypes).
 */
export function signalOnly (options: AbortOptions): { signal?: AbortSignal } {
  return options.signal !== undefined ? { signal: options.signal } : {}
}

export interface Startable {
  start: (options?: AbortOptions) => Promise<void>
  stop: () => Promise<void>
}

/**
 * Starts components in order; when one fails, stops the ones already started,
 * newest first, and rethrows the failure.
 */
export async function startAll (components: readonly Startable[], options: AbortOptions = {}): Promise<void> {
  const started: Startable[] = []
  try {
    for (const component of components) {
      options.signal?.throwIfAborted()
      await component.start(options)
      started.push(component)
    }
  } catch (err: unknown) {
    for (const component of started.reverse()) {
      // A failure while undoing must not hide the failure that made us undo.
      await component.stop().catch(() => {})
    }
    throw err
  }
}

/** Stops components newest first; every one is stopped even if another fails. Returns the failures. */
export async function stopAll (components: readonly Startable[]): Promise<unknown[]> {
  const failures: unknown[] = []
  for (const component of [...components].reverse()) {
    try {
      await component.stop()
    } catch (err: unknown) {
      failures.push(err)
    }
  }
  return failures
}
