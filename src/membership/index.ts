/**
 * Cluster membership: heartbeats, failure detection (pure core in ./core),
 * the IPNS-backed registry, reconnection to known members, and the validation
 * every pubsub topic goes through. docs/MEMBERSHIP.md has the design.
 */
export { MembershipService } from './membership-service.ts'
export type { MembershipServiceInit, MembershipServiceComponents } from './membership-service.ts'
export { Membership } from './membership.ts'
export type { MembershipInit, MembershipComponents, MembershipListener, MembershipView } from './membership.ts'
export { HeartbeatService, dialableAddrs } from './heartbeat-service.ts'
export type { HeartbeatServiceInit, HeartbeatServiceComponents, LocalNodeState } from './heartbeat-service.ts'
export { Registry } from './registry.ts'
export type { RegistryInit, RegistryComponents, PublishedDocument, PullResult } from './registry.ts'
export { Reconnector } from './reconnector.ts'
export type { ReconnectorInit, ReconnectorComponents, MemberDialer } from './reconnector.ts'
export { libp2pDialer } from './libp2p-dialer.ts'
export { ValidatedTopic, memberOnlyTopic } from './validated-topic.ts'
export type { ValidatedTopicInit, ValidatedTopicComponents, PublishOutcome } from './validated-topic.ts'
export { createMembershipMetrics, counterValue } from './metrics.ts'
export type { MembershipMetrics, RejectReason } from './metrics.ts'
export { RegistryDocumentInvalidError, RegistryKeyError, RegistryNotFoundError } from './errors.ts'
export { MembershipTable } from './core/membership-table.ts'
export { detectState, resolveTimings } from './core/failure-detector.ts'
export { DEFAULT_TIMINGS } from './core/types.ts'
export type { Member, MemberSource, MemberState, MembershipEvent, MembershipEventType, MembershipTimings } from './core/types.ts'
export type { RegistryDocument, RegistryEntry } from './core/registry-document.ts'
export { REGISTRY_DEFAULTS } from './registry.ts'
