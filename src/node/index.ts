/**
 * The node: libp2p + Helia assembled (create-node), the embedded node the CLI
 * renders with, the home (identity key, swarm key, repo lock) and dialling.
 *
 * Importing this file loads none of libp2p, its transports, gossipsub, the DHT
 * or Helia's networking (some 1,500 modules, a second of a CLI command's start
 * on a 2-core machine): the CLI's in-process commands import it for the home
 * and the embedded node. They load when a node is created.
 */
import type { ArtdagNode, ArtdagNodeInit } from './create-node.ts'
import type { AbortOptions } from '../store/index.ts'

/** Creates and starts a networked node (create-node.ts, loaded now). */
export async function createArtdagNode (init: ArtdagNodeInit, options: AbortOptions = {}): Promise<ArtdagNode> {
  const { createArtdagNode: create } = await import('./create-node.ts')
  return await create(init, options)
}
/** Loads what createArtdagNode loads, without creating a node (a daemon loads its modules before it starts). */
export async function loadNodeModules (): Promise<void> {
  await import('./create-node.ts')
}
export type { ArtdagNode } from './create-node.ts'
export type { BootstrapAddressState } from './dialer.ts'
export { createEmbeddedNode } from './embedded.ts'
export { TopicValidatorResult } from './topic-validator-result.ts'
export type { PubSub, PubSubMessage } from './gossipsub.ts'
export type { ArtdagHelia, ArtdagNodeInit } from './create-node.ts'
export type { EmbeddedNode, EmbeddedNodeInit } from './embedded.ts'
export * from './errors.ts'
export { ensureHomeDir, HOME_CONFIG_TEMPLATE, initHome, readHomeKeys, readOptionalPeerId } from './home.ts'
export type { FileOutcome, InitHomeOptions, InitHomeResult } from './home.ts'
export { generateIdentity, readIdentity } from './identity.ts'
export type { Identity } from './identity.ts'
export { generateSwarmKey, readSwarmKey } from './swarm-key.ts'
export { DHT_DEFAULTS, NODE_DEFAULTS } from './defaults.ts'
