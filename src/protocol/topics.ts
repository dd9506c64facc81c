import { HEARTBEAT_TOPIC } from './messages/heartbeat.ts'
import { LEASE_TOPIC } from './messages/lease.ts'
import { RESULTS_TOPIC } from './messages/results.ts'

/**
 * The `topics:` config section's defaults (config/default.yaml is checked
 * against them): gossipsub topic names, versioned so that nodes of different
 * protocol versions do not mix.
 */
export const TOPIC_DEFAULTS = {
  heartbeat: HEARTBEAT_TOPIC,
  submit: 'artdag/v1/jobs/submit',
  updates: 'artdag/v1/jobs/updates',
  leases: LEASE_TOPIC,
  results: RESULTS_TOPIC
}
