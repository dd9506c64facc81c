import type { ConnectionGater, PeerId } from '@libp2p/interface'

/**
 * An optional allowlist of peer ids, enforced by a connection gater: peers
 * not on it can neither dial us nor be dialled, even with the swarm key. With
 * no list (undefined), any peer holding the swarm key is let in. The list can
 * be replaced at run time (the node then hangs up on peers no longer on it).
 */
export class PeerAllowlist {
  #ids: Set<string> | undefined

  constructor (ids?: Iterable<string>) {
    this.replace(ids)
  }

  /** undefined: allow every peer. */
  replace (ids: Iterable<string> | undefined): void {
    this.#ids = ids == null ? undefined : new Set(ids)
  }

  allows (peerId: PeerId | string): boolean {
    return this.#ids == null || this.#ids.has(peerId.toString())
  }

  get ids (): string[] | undefined {
    return this.#ids == null ? undefined : [...this.#ids]
  }
}

export function allowlistGater (allowlist: PeerAllowlist): ConnectionGater {
  const deny = (peerId: PeerId): boolean => !allowlist.allows(peerId)
  return {
    denyDialPeer: deny,
    denyInboundEncryptedConnection: deny,
    denyOutboundEncryptedConnection: deny
  }
}
