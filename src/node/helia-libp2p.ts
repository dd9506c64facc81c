import { NotStartedError } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'
import { userAgent } from 'libp2p/user-agent'
import type { HeliaWithLibp2p } from '@helia/libp2p'
import type { Libp2p, ServiceMap } from '@libp2p/interface'
import type { Helia } from 'helia'
import type { Libp2pOptions } from 'libp2p'

/**
 * What @helia/libp2p's `withLibp2pLight` does for an artdag node: libp2p made
 * from `options` when Helia starts (its datastore, logger and name given by Helia's),
 * started and stopped with Helia. That package's entry also loads its default
 * libp2p configuration (WebRTC, WebSockets, auto-TLS with an ACME client, UPnP,
 * an HTTP client: about 900 modules a daemon never uses, and their memory); its
 * router is replaced by ours (routing.ts), and its peer-store hooks serve
 * routers other than libp2p's, which artdag does not have.
 */
export function withLibp2p<H extends Helia, M extends ServiceMap> (helia: H, options: Libp2pOptions<M>): H & HeliaWithLibp2p<M> {
  let libp2p: Libp2p<M> | undefined
  Object.defineProperty(helia, 'libp2p', {
    configurable: true,
    enumerable: true,
    get () {
      if (libp2p === undefined) throw new NotStartedError('libp2p has not started: start Helia first')
      return libp2p
    }
  })
  helia.addMixin({
    name: 'libp2p',
    start: async () => {
      libp2p ??= await createLibp2p({
        ...options,
        datastore: options.datastore ?? helia.datastore,
        logger: options.logger ?? helia.logger,
        nodeInfo: {
          ...options.nodeInfo,
          name: options.nodeInfo?.name ?? helia.info.name,
          version: options.nodeInfo?.version ?? helia.info.version,
          userAgent: options.nodeInfo?.userAgent ?? `${helia.info.name}/${helia.info.version} ${userAgent()}`
        }
      })
      await libp2p.start()
    },
    stop: async () => {
      await libp2p?.stop()
    }
  })
  return helia as H & HeliaWithLibp2p<M>
}
