import type { BinaryName } from './binaries.ts'

/** A child process this module started: what tests count to prove that nothing ran. */
export interface SpawnEvent {
  binary: BinaryName
  /** `render` runs a step, `probe` reads an input, `capabilities` asks a binary what it has. */
  purpose: 'render' | 'probe' | 'capabilities'
  path: string
  pid: number
}

export type SpawnListener = (event: SpawnEvent) => void

/** Counts spawns by binary; pass `counter.listener` as `onSpawn`. */
export class SpawnCounter {
  readonly events: SpawnEvent[] = []
  readonly listener: SpawnListener = event => {
    this.events.push(event)
  }

  count (binary?: BinaryName): number {
    return binary == null ? this.events.length : this.events.filter(event => event.binary === binary).length
  }
}
