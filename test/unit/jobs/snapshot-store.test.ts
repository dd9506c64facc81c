import { MemoryDatastore } from 'datastore-core'
import { describe, expect, it } from 'vitest'
import { SnapshotStore } from '../../../src/jobs/service/snapshot-store.ts'
import { silentLogger } from '../../../src/log.ts'
import type { Key } from 'interface-datastore'

/** A datastore whose writes take a while and are recorded, like LevelDB under load. */
class SlowDatastore extends MemoryDatastore {
  readonly written: unknown[] = []
  override async put (key: Key, value: Uint8Array): Promise<Key> {
    await new Promise(resolve => setTimeout(resolve, 5))
    this.written.push(JSON.parse(new TextDecoder().decode(value)))
    return await super.put(key, value)
  }
}

describe('SnapshotStore', () => {
  it('answers every saveNow once a write holding its change landed, sharing writes in a burst', async () => {
    const datastore = new SlowDatastore()
    const state = { jobs: [] as number[] }
    const store = new SnapshotStore(datastore, () => ({ jobs: [...state.jobs] }), silentLogger())

    const saved: Array<Promise<void>> = []
    const seenWhenSaved: number[][] = []
    for (let job = 1; job <= 20; job++) {
      state.jobs.push(job)
      saved.push(
        store.saveNow().then(() => {
          seenWhenSaved.push((datastore.written.at(-1) as { jobs: number[] }).jobs)
        })
      )
    }
    await Promise.all(saved)

    // Each caller's job was on disk when its saveNow resolved.
    for (const [i, jobs] of seenWhenSaved.entries()) expect(jobs.length).toBeGreaterThanOrEqual(i + 1)
    expect(datastore.written.at(-1)).toEqual({ jobs: state.jobs })
    // The calls came before the first write began: they all share it.
    expect(datastore.written).toHaveLength(1)

    // Calls made while a write is under way share the next one, which holds their changes.
    state.jobs.push(21)
    const running = store.saveNow()
    await new Promise(resolve => setTimeout(resolve, 1))
    const later = [22, 23, 24].map(job => {
      state.jobs.push(job)
      return store.saveNow()
    })
    await Promise.all([running, ...later])
    expect(datastore.written).toHaveLength(3)
    expect(datastore.written[1]).toEqual({ jobs: state.jobs.slice(0, 21) })
    expect(datastore.written[2]).toEqual({ jobs: state.jobs })
    expect(await store.load()).toEqual({ jobs: state.jobs })
  })
})
