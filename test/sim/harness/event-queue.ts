/** Virtual time: a binary heap of callbacks ordered by (time, insertion order). */
interface Entry {
  time: number
  seq: number
  run: () => void
}

export class EventQueue {
  readonly #heap: Entry[] = []
  #seq = 0
  now = 0

  at (time: number, run: () => void): void {
    const entry = { time: Math.max(time, this.now), seq: this.#seq++, run }
    const heap = this.#heap
    heap.push(entry)
    let i = heap.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!before(entry, heap[p] as Entry)) break
      heap[i] = heap[p] as Entry
      i = p
    }
    heap[i] = entry
  }

  after (delay: number, run: () => void): void {
    this.at(this.now + delay, run)
  }

  get size (): number {
    return this.#heap.length
  }

  /** Runs the next event; false when none is left before `until`. */
  step (until: number): boolean {
    const heap = this.#heap
    const top = heap[0]
    if (top === undefined || top.time > until) return false
    const last = heap.pop() as Entry
    if (heap.length > 0) {
      let i = 0
      const n = heap.length
      while (true) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        let mEntry = last
        if (l < n && before(heap[l] as Entry, mEntry)) {
          m = l
          mEntry = heap[l] as Entry
        }
        if (r < n && before(heap[r] as Entry, mEntry)) {
          m = r
          mEntry = heap[r] as Entry
        }
        if (m === i) break
        heap[i] = mEntry
        i = m
      }
      heap[i] = last
    }
    this.now = top.time
    top.run()
    return true
  }
}

function before (a: Entry, b: Entry): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq)
}
