import { createRequire } from 'node:module'
import { z } from 'zod'

/**
 * The shape of artdag's configuration. Each section's defaults are declared
 * once, beside the component that uses them, under these key names
 * (src/config/defaults.ts gathers them); config/default.yaml documents every
 * key and test/unit/config/defaults.test.ts checks it holds exactly those
 * values. Objects are strict, so a misspelt key is an error that names it.
 */

const durationMs = z.number().int().nonnegative()
const positiveMs = z.number().int().positive()

/** `/ip4/A.B.C.D/tcp/PORT`, each number as the multiaddr parser takes it (no leading zero, in range). */
const IP4_TCP = /^\/ip4\/((?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})\/tcp\/(0|[1-9]\d{0,4})$/

/**
 * Whether the multiaddr parser takes `value`. The common form (`/ip4/…/tcp/…`, the shipped
 * listen address) is checked here; any other loads the parser, on first use (~15 ms of the
 * start of every command that loads the configuration; test/unit/config checks both agree).
 */
export function isMultiaddr (value: string): boolean {
  const simple = IP4_TCP.exec(value)
  if (simple !== null) return Number(simple[2]) <= 65_535
  const { multiaddr } = createRequire(import.meta.url)('@multiformats/multiaddr') as typeof import('@multiformats/multiaddr')
  try {
    multiaddr(value)
    return true
  } catch {
    return false
  }
}

const multiaddrString = z.string().refine(isMultiaddr, 'not a multiaddr (e.g. /ip4/10.0.0.2/tcp/4101)')

const topicName = z.string().regex(/^[a-zA-Z0-9._/-]{1,128}$/, 'not a topic name (letters, digits, . _ / -)')
const peerId = z.string().regex(/^(12D3KooW[1-9A-HJ-NP-Za-km-z]{44}|Qm[1-9A-HJ-NP-Za-km-z]{44})$/, 'not a peer id')

export const configSchema = z.strictObject({
  log: z.strictObject({
    level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']),
    format: z.enum(['auto', 'text', 'json'])
  }),
  node: z.strictObject({
    listen: z.array(multiaddrString).min(1, 'at least one listen address is needed'),
    announce: z.array(multiaddrString),
    bootstrap: z.array(multiaddrString),
    dialFrom: z.union([z.ipv4(), z.ipv6()]).nullable(),
    dialTimeoutMs: positiveMs,
    allowPeers: z.array(peerId)
  }),
  discovery: z.strictObject({
    tailscale: z.strictObject({
      enabled: z.boolean(),
      command: z.string().min(1),
      port: z.number().int().min(1).max(65535),
      intervalMs: positiveMs,
      timeoutMs: positiveMs
    })
  }),
  topics: z.strictObject({
    heartbeat: topicName,
    submit: topicName,
    updates: topicName,
    leases: topicName,
    results: topicName
  }),
  dht: z.strictObject({
    protocol: z.string().regex(/^\/[a-zA-Z0-9._/-]+$/, 'not a protocol id (e.g. /artdag/kad/1.0.0)'),
    queryTimeoutMs: positiveMs,
    republishIntervalMs: positiveMs
  }),
  membership: z.strictObject({
    heartbeatIntervalMs: positiveMs,
    suspectAfterMs: positiveMs,
    deadAfterMs: positiveMs,
    forgetAfterMs: positiveMs,
    allowPeers: z.array(peerId)
  }),
  registry: z.strictObject({
    publishIntervalMs: positiveMs,
    recordLifetimeMs: positiveMs,
    resolveTimeoutMs: positiveMs
  }),
  api: z.strictObject({
    socket: z.string().min(1).nullable(),
    maxUploadBytes: z.number().int().positive()
  }),
  ui: z.strictObject({
    enabled: z.boolean(),
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535)
  }),
  exec: z.strictObject({
    ffmpeg: z.string().min(1).nullable(),
    ffprobe: z.string().min(1).nullable(),
    slots: z.number().int().min(0).max(256),
    threads: z.number().int().min(0).max(256),
    stepTimeoutMs: positiveMs,
    fontFile: z.string().min(1).nullable(),
    workDir: z.string().min(1).nullable()
  }),
  lease: z.strictObject({
    ttlMs: positiveMs,
    renewIntervalMs: positiveMs,
    settleMs: durationMs,
    rankDelayMs: durationMs,
    maxWaitMs: positiveMs,
    maxHoldMs: positiveMs
  }),
  jobs: z.strictObject({
    maxAttempts: z.number().int().min(1).max(100),
    retryBackoffMs: durationMs,
    replication: z.number().int().min(1).max(64),
    cacheLookupTimeoutMs: positiveMs,
    maxJobs: z.number().int().min(1).max(1_000_000),
    maxRunningPerSubmitter: z.number().int().min(1).max(100_000),
    inputCopies: z.number().int().min(0).max(64)
  }),
  trust: z.strictObject({
    confirmations: z.number().int().min(1).max(8),
    producers: z.array(peerId),
    operators: z.array(peerId)
  }),
  gc: z.strictObject({
    intermediateTtlMs: durationMs,
    intervalMs: durationMs
  })
})
  .superRefine((config, ctx) => {
    // Cross-field rules: each names the keys involved.
    const m = config.membership
    if (m.suspectAfterMs <= m.heartbeatIntervalMs) {
      ctx.addIssue({ code: 'custom', path: ['membership', 'suspectAfterMs'], message: `must be longer than membership.heartbeatIntervalMs (${m.heartbeatIntervalMs})` })
    }
    if (m.deadAfterMs <= m.suspectAfterMs) {
      ctx.addIssue({ code: 'custom', path: ['membership', 'deadAfterMs'], message: `must be longer than membership.suspectAfterMs (${m.suspectAfterMs})` })
    }
    if (config.lease.maxHoldMs <= config.exec.stepTimeoutMs + config.lease.ttlMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['lease', 'maxHoldMs'],
        message: `must be longer than exec.stepTimeoutMs + lease.ttlMs (${
          config.exec.stepTimeoutMs + config.lease.ttlMs
        }), with room to fetch a step's inputs: an honest holder must never reach it. Raise lease.maxHoldMs with exec.stepTimeoutMs`
      })
    }
    if (config.lease.renewIntervalMs * 2 > config.lease.ttlMs) {
      ctx.addIssue({ code: 'custom', path: ['lease', 'renewIntervalMs'], message: `must be at most half of lease.ttlMs (${config.lease.ttlMs}) so one lost renewal does not lose the lease` })
    }
  })

export type Config = z.infer<typeof configSchema>
