/**
 * The node: libp2p + Helia assembled (create-node), the embedded node the CLI
 * renders with, the home (identity key, swarm key, repo lock) and dialling.
 */
export { createArtdagNode } from './create-node.ts'
export type { ArtdagNode } from './create-node.ts'
export { createEmbeddedNode } from './embedded.ts'
export { PEER_SCORE_THRESHOLDS, peerScore, TopicValidatorResult } from './gossipsub.ts'
export type { PubSub, PubSubMessage } from './gossipsub.ts'
export type { ArtdagHelia, ArtdagNodeInit } from './create-node.ts'
export type { EmbeddedNode, EmbeddedNodeInit } from './embedded.ts'
export * from './errors.ts'
export { ensureHomeDir, HOME_CONFIG_TEMPLATE, initHome, readHomeKeys, readOptionalIdentity } from './home.ts'
export type { FileOutcome, InitHomeOptions, InitHomeResult } from './home.ts'
export { generateIdentity, readIdentity } from './identity.ts'
export type { Identity } from './identity.ts'
export { generateSwarmKey, readSwarmKey } from './swarm-key.ts'
export { NODE_DEFAULTS } from './libp2p-options.ts'
export { DHT_DEFAULTS } from './dht.ts'
