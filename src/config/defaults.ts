import { API_DEFAULTS } from '../api/server/index.ts'
import { GC_DEFAULTS } from '../daemon/index.ts'
import { TAILSCALE_DEFAULTS } from '../discovery/index.ts'
import { EXEC_DEFAULTS } from '../exec/index.ts'
import { JOBS_DEFAULTS, TRUST_DEFAULTS } from '../jobs/index.ts'
import { LEASE_DEFAULTS } from '../lease/index.ts'
import { LOG_DEFAULTS } from '../log.ts'
import { MEMBERSHIP_DEFAULTS, REGISTRY_DEFAULTS } from '../membership/index.ts'
import { DHT_DEFAULTS, NODE_DEFAULTS } from '../node/index.ts'
import { TOPIC_DEFAULTS } from '../protocol/index.ts'
import { UI_DEFAULTS } from '../ui/index.ts'
import type { Config } from './schema.ts'

/*
 * Every config section's defaults, each declared once beside the component that
 * uses it, under the config's own key names. config/default.yaml (the file users
 * read, with a comment per key) must hold exactly these values:
 * test/unit/config/defaults.test.ts checks it, and the docs' tables.
 * Not in config's index: loading it loads every component (the CLI reads the
 * config without them); only the check imports it.
 */

export const CONFIG_DEFAULTS: Config = {
  log: { ...LOG_DEFAULTS },
  node: { ...NODE_DEFAULTS, listen: [...NODE_DEFAULTS.listen] },
  discovery: { tailscale: { ...TAILSCALE_DEFAULTS } },
  topics: { ...TOPIC_DEFAULTS },
  dht: { ...DHT_DEFAULTS },
  membership: { ...MEMBERSHIP_DEFAULTS, allowPeers: [...MEMBERSHIP_DEFAULTS.allowPeers] },
  registry: { ...REGISTRY_DEFAULTS },
  api: { ...API_DEFAULTS },
  ui: { ...UI_DEFAULTS },
  exec: { ...EXEC_DEFAULTS },
  lease: { ...LEASE_DEFAULTS },
  jobs: { ...JOBS_DEFAULTS },
  trust: { ...TRUST_DEFAULTS, producers: [], operators: [] },
  gc: { ...GC_DEFAULTS }
}
