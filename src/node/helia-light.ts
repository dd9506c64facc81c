import type { Helia, HeliaInit } from 'helia'

/** What helia's entry does in createHeliaLight: a bare Helia (no libp2p, no block brokers) named after the package. */
interface HeliaModules {
  Helia: new(init: Partial<HeliaInit> & { name: string, version: string }) => Helia
  name: string
  version: string
}

let loaded: Promise<HeliaModules | undefined> | undefined

/**
 * helia's entry imports @helia/libp2p (and through it libp2p, its default transports,
 * auto-TLS, WebRTC, UPnP, an HTTP client: some 1,500 modules, a second of a CLI
 * command's start on a 2-core machine), @helia/http and @helia/bitswap, for
 * `createHelia`; a bare Helia needs none of them. Its class lives beside the entry
 * (dist/src/helia.js, not in the package's exports map), so it is loaded from there
 * by its file URL. A helia laid out otherwise falls back to the entry: slower, the
 * same Helia. test/unit/node/helia-light.test.ts checks the fast path is taken.
 */
async function heliaModules (): Promise<HeliaModules | undefined> {
  loaded ??= (async () => {
    try {
      const entry = import.meta.resolve('helia')
      const [{ Helia }, { name, version }] = await Promise.all([
        import(new URL('./helia.js', entry).href) as Promise<{ Helia: HeliaModules['Helia'] }>,
        import(new URL('./version.js', entry).href) as Promise<{ name: string, version: string }>
      ])
      return typeof Helia === 'function' && typeof name === 'string' && typeof version === 'string' ? { Helia, name, version } : undefined
    } catch {
      return undefined
    }
  })()
  return await loaded
}

/** createHeliaLight without loading Helia's networking. */
export async function createHeliaLight (init: Partial<HeliaInit>): Promise<Helia> {
  const modules = await heliaModules()
  if (modules === undefined) return (await import('helia')).createHeliaLight(init)
  return new modules.Helia({ name: modules.name, version: modules.version, ...init })
}

/** Whether createHeliaLight takes the light path (for the test). */
export async function heliaLightAvailable (): Promise<boolean> {
  return await heliaModules() !== undefined
}
