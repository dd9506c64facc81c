/**
 * The promises a component started and must see finish before its `stop()`
 * returns. A task's failure is reported to `onError` (it never rejects the
 * group), so no promise is left floating and none is awaited twice.
 */
export class TaskGroup {
  readonly #tasks = new Set<Promise<void>>()
  readonly #onError: (err: unknown, name: string) => void

  constructor (onError: (err: unknown, name: string) => void) {
    this.#onError = onError
  }

  /** Starts tracking `task`; `name` says what it was in the error report. */
  add (name: string, task: Promise<unknown>): void {
    const tracked: Promise<void> = task.then(
      () => {
        this.#tasks.delete(tracked)
      },
      (err: unknown) => {
        this.#tasks.delete(tracked)
        this.#onError(err, name)
      }
    )
    this.#tasks.add(tracked)
  }

  get size (): number {
    return this.#tasks.size
  }

  /** Resolves when every task, including those added while waiting, has settled. */
  async drain (): Promise<void> {
    while (this.#tasks.size > 0) await Promise.all(this.#tasks)
  }
}
