import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight as heliaEntry } from 'helia'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { createHeliaLight, heliaLightAvailable } from '../../../src/node/helia-light.ts'

describe('a Helia without its networking', () => {
  it("takes the light path with the installed helia (its class beside the entry): a helia laid out otherwise would load all of Helia's networking again", async () => {
    expect(await heliaLightAvailable()).toBe(true)
  })

  it("is the Helia that helia's createHeliaLight makes: the same name and version, blocks and pins work, no block brokers", async () => {
    const helia = await createHeliaLight({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
    const reference = heliaEntry({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
    expect(helia.info).toEqual(reference.info)
    expect(Object.getPrototypeOf(helia).constructor.name).toBe(Object.getPrototypeOf(reference).constructor.name)
    await helia.start()
    try {
      const bytes = new TextEncoder().encode('a block')
      const cid = CID.createV1(raw.code, await sha256.digest(bytes))
      await helia.blockstore.put(cid, bytes)
      for await (const _ of helia.pins.add(cid)) { /* drain */ }
      expect(await helia.pins.isPinned(cid)).toBe(true)
      // Offline: a block nobody has fails at once instead of asking a network.
      const missing = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode('nowhere')))
      await expect(helia.blockstore.get(missing, { offline: true }).next()).rejects.toThrow()
    } finally {
      await helia.stop()
    }
  })
})
