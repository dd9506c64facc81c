import { MemoryDatastore } from 'datastore-core'
import { Key } from 'interface-datastore'
import { describe, expect, it } from 'vitest'
import { DatastoreCacheIndex } from '../../../src/store/cache-index.ts'

const id = (c: string) => c.repeat(64)

describe('DatastoreCacheIndex', () => {
  it('puts, gets, lists and deletes entries', async () => {
    const datastore = new MemoryDatastore()
    const index = new DatastoreCacheIndex({ datastore })
    expect(await index.get(id('a'))).toBeUndefined()
    const a = { cacheId: id('a'), cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', producer: 'local', createdAt: 1, stepType: 'scale' }
    const b = { cacheId: id('b'), cid: 'bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4', producer: 'local', createdAt: 2 }
    await index.put(a)
    await index.put(b)
    await datastore.put(new Key('/artdag/other/x'), new Uint8Array([1]))
    expect(await index.get(id('a'))).toEqual(a)
    const all = []
    for await (const entry of index.entries()) all.push(entry)
    expect(all.sort((x, y) => x.createdAt - y.createdAt)).toEqual([a, b])
    await index.delete(id('a'))
    expect(await index.get(id('a'))).toBeUndefined()
  })

  it('refuses entries it could not find again, naming the field', async () => {
    const index = new DatastoreCacheIndex({ datastore: new MemoryDatastore() })
    await expect(index.put({ cacheId: 'XYZ', cid: 'x', producer: 'p', createdAt: 1 })).rejects.toThrow('not a cache id: "XYZ" (64 lowercase hex characters)')
    await expect(index.put({ cacheId: id('c'), cid: '', producer: 'p', createdAt: 1 })).rejects.toThrow(`cache entry ${id('c')}: cid is missing`)
    await expect(index.put({ cacheId: id('c'), cid: 'x', producer: 'p', createdAt: -5 })).rejects.toThrow(`cache entry ${id('c')}: createdAt must be milliseconds since the epoch`)
    await expect(index.get('short')).rejects.toThrow('not a cache id: "short"')
  })
})
