/**
 * A seeded PRNG (sfc32, seeded through splitmix32) so every run replays
 * exactly from its seed. `fork` gives an independent stream, so that e.g. the
 * workload does not change when the network draws more numbers.
 */
export class Prng {
  #a: number
  #b: number
  #c: number
  #d: number

  constructor (seed: number) {
    let s = seed >>> 0
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      return (z ^ (z >>> 16)) >>> 0
    }
    this.#a = next()
    this.#b = next()
    this.#c = next()
    this.#d = next()
    for (let i = 0; i < 12; i++) this.#u32()
  }

  #u32 (): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0
    this.#d = (this.#d + 1) >>> 0
    this.#a = this.#b ^ (this.#b >>> 9)
    this.#b = (this.#c + (this.#c << 3)) >>> 0
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0
    this.#c = (this.#c + t) >>> 0
    return t
  }

  /** [0, 1) */
  float (): number {
    return this.#u32() / 4294967296
  }

  /** An integer in [lo, hi]. */
  int (lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1))
  }

  range (lo: number, hi: number): number {
    return lo + this.float() * (hi - lo)
  }

  chance (p: number): boolean {
    return this.float() < p
  }

  pick<T> (items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list')
    return items[Math.floor(this.float() * items.length)] as T
  }

  shuffle<T> (items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1))
      const t = items[i] as T
      items[i] = items[j] as T
      items[j] = t
    }
    return items
  }

  /** Exponentially distributed with the given mean. */
  exp (mean: number): number {
    return -mean * Math.log(1 - this.float())
  }

  hex (chars: number): string {
    let out = ''
    while (out.length < chars) out += this.#u32().toString(16).padStart(8, '0')
    return out.slice(0, chars)
  }

  fork (): Prng {
    return new Prng(this.#u32())
  }
}
