import { availableParallelism } from 'node:os'
import { Registry as MetricsRegistry } from 'prom-client'
import { createApiServer } from './api/server.ts'
import { loadConfig } from './config/load.ts'
import { peersBackend, systemBackend } from './daemon/backends.ts'
import { EventBus } from './daemon/event-bus.ts'
import { GcScheduler } from './daemon/gc-scheduler.ts'
import { overridesFromFlags } from './daemon/flags.ts'
import { localNodeState } from './daemon/node-state.ts'
import { createDiscoveryMetrics } from './discovery/metrics.ts'
import { TailscaleDiscovery } from './discovery/tailscale.ts'
import { CapabilitiesCache } from './exec/capabilities.ts'
import { advertisedEncoders } from './exec/hardware.ts'
import { createSourceAnalyzer } from './engine/analyze-source.ts'
import { RangeServer } from './engine/range-server.ts'
import { withTranscodeExpansion } from './daemon/transcode-jobs.ts'
import { getCacheRecord, putCacheRecord } from './store/cache-records.ts'
import { resolveBinaries } from './exec/binaries.ts'
import { workRootFor } from './engine/embedded-render.ts'
import { StepRunner } from './engine/step-runner.ts'
import { stepCatalog } from './exec/catalog.ts'
import { Spawner } from './exec/spawner/spawner.ts'
import { JobService } from './jobs/service/job-service.ts'
import { createLogger } from './log.ts'
import { createMembershipMetrics } from './membership/metrics.ts'
import { registerTransferMetrics } from './store/transfer/metrics.ts'
import { MembershipService } from './membership/membership-service.ts'
import { createArtdagNode } from './node/create-node.ts'
import { homePaths } from './node/home.ts'
import { CACHE_RECORD_NAMESPACE, createCacheRecordValidator } from './store/cache-records.ts'
import { CacheRecordRepublisher } from './store/cache-republisher.ts'
import { ARTDAG_VERSION } from './version.ts'
import type { DaemonFlags } from './cli/commands/daemon.ts'
import type { Config } from './config/schema.ts'
import type { ResolvedBinaries } from './exec/binaries.ts'
import type { Logger } from './log.ts'

export interface RunDaemonOptions {
  home: string
  flags: DaemonFlags
  /** Aborted by the first SIGINT/SIGTERM: the daemon then stops every component and resolves. */
  signal: AbortSignal
  /** Where the readiness line goes (a JSON object with `--json`). */
  stdout?: NodeJS.WritableStream
  json?: boolean
  env?: Record<string, string | undefined>
}

/** What the daemon announces once every listener is up. */
export interface DaemonReady {
  event: 'ready'
  peerId: string
  addresses: string[]
  socket: string
  home: string
  version: string
}

/** Undo actions, run newest first; one that fails is logged and the others still run. */
class Teardown {
  readonly #steps: Array<{ name: string, run: () => Promise<void> }> = []
  readonly #log: Logger

  constructor (log: Logger) { this.#log = log }

  add (name: string, run: () => Promise<void>): void { this.#steps.push({ name, run }) }

  async run (): Promise<void> {
    for (const step of this.#steps.splice(0).reverse()) {
      await step.run().catch((err: Error) => { this.#log.warn({ component: step.name, err: err.message }, 'error while stopping') })
    }
  }
}

async function ffmpegOf (config: Config, env: Record<string, string | undefined> | undefined, log: Logger): Promise<{ binaries: ResolvedBinaries, version: string, encoders: string[] } | null> {
  try {
    const binaries = await resolveBinaries({ ffmpeg: config.exec.ffmpeg, ffprobe: config.exec.ffprobe, env })
    const caps = await new CapabilitiesCache().get(binaries.ffmpeg.path, { timeoutMs: 15_000 })
    // Codecs, and the hardware encoders that encode a trial frame here: what heartbeats advertise.
    return { binaries, version: caps.version, encoders: await advertisedEncoders(caps, { timeoutMs: 15_000 }) }
  } catch (err) {
    // A node without ffmpeg still stores and serves content and takes part in the cluster; it runs no steps.
    log.warn({ err: (err as Error).message }, 'no usable ffmpeg: this node will run no steps')
    return null
  }
}

/**
 * `artdag daemon`: the node (libp2p + Helia), membership (heartbeats,
 * failure detection, the IPNS registry), the job service (leases, steps,
 * results), discovery, and the status socket, started in that order; the
 * socket last, so a client that can connect finds a node that is up. Runs
 * until `signal` aborts, then stops in reverse order.
 */
export async function runDaemon (options: RunDaemonOptions): Promise<void> {
  const env = options.env ?? process.env
  const { config } = await loadConfig({ home: options.home, env, flags: overridesFromFlags(options.flags) })
  const logger = createLogger({ level: config.log.level })
  const log = logger.forComponent('artdag:daemon')
  const teardown = new Teardown(log)
  const startedAt = Date.now()
  const metrics = new MetricsRegistry()
  const events = new EventBus(logger)
  const paths = homePaths(options.home)
  const slots = config.exec.slots > 0 ? config.exec.slots : availableParallelism()

  try {
    const ffmpeg = await ffmpegOf(config, env, log)
    options.signal.throwIfAborted()

    // The DHT validates cache records against membership, which exists only once the node runs;
    // heartbeats carry the job service's leases and jobs, and it starts after membership.
    let membership: MembershipService | undefined
    let jobs: JobService | undefined
    const node = await createArtdagNode({
      home: options.home,
      listen: config.node.listen,
      announce: config.node.announce,
      bootstrap: config.node.bootstrap,
      dialTimeoutMs: config.node.dialTimeoutMs,
      kadProtocol: config.dht.protocol,
      allowPeers: config.node.allowPeers,
      validators: {
        [CACHE_RECORD_NAMESPACE]: createCacheRecordValidator({ isMember: peerId => membership?.membership.isMember(peerId) ?? true })
      },
      logger
    }, { signal: options.signal })
    teardown.add('node', node.stop)

    // Remote peers drop DHT records after 48 h and put() never republishes: re-put what we produced.
    const republisher = new CacheRecordRepublisher({
      dht: node.dht,
      privateKey: node.privateKey,
      peerId: node.peerId,
      entries: o => node.cacheIndex.entries(o),
      logger
    }, { intervalMs: config.dht.republishIntervalMs, putTimeoutMs: config.dht.queryTimeoutMs })
    republisher.start()
    teardown.add('cache-republisher', async () => { await republisher.stop() })

    membership = new MembershipService({
      libp2p: node.libp2p,
      helia: node.helia,
      ipns: node.ipns,
      privateKey: node.privateKey,
      logger,
      metrics: createMembershipMetrics(metrics),
      localState: async () => await localNodeState({
        home: options.home,
        slots: ffmpeg != null ? slots : 0,
        capabilities: () => ({ ffmpegVersion: ffmpeg?.version ?? null, encoders: ffmpeg?.encoders ?? [] }),
        runningSteps: () => jobs?.runningSteps().length ?? 0,
        coordination: () => jobs?.heartbeatSummary() ?? { leases: [], jobs: [] }
      })
    }, {
      version: ARTDAG_VERSION,
      heartbeatTopic: config.topics.heartbeat,
      timings: config.membership,
      registry: config.registry
    })
    membership.membership.onEvent(event => { events.publish({ ...event, type: `member.${event.type}`, peer: event.peerId, time: event.at }) })
    membership.heartbeats.onHeartbeat(hb => {
      events.publish({ type: 'heartbeat', peer: hb.peerId, slots: hb.capacity.slots, running: hb.load.runningSteps, leases: hb.leases.length, jobs: hb.jobs.length })
    })
    await membership.start({ signal: options.signal })
    const started = membership
    teardown.add('membership', async () => { await started.stop() })

    // Transcode chunks read their source through it: only the byte ranges they need are fetched.
    const ranges = new RangeServer({ cat: (cid, o) => node.content.cat(cid, o), logger })
    await ranges.start({ signal: options.signal })
    teardown.add('range-server', async () => { await ranges.stop() })

    // ffmpeg and ffprobe start from a small helper process: a fork of the daemon blocked its loop.
    const spawner = new Spawner({ logger })
    teardown.add('spawner', async () => { await spawner.stop() })
    const runner = ffmpeg != null
      ? new StepRunner({
        store: node.content,
        cacheIndex: node.cacheIndex,
        binaries: ffmpeg.binaries,
        capabilities: new CapabilitiesCache(),
        workRoot: workRootFor(options.home, config),
        producer: node.peerId.toString(),
        stepTimeoutMs: config.exec.stepTimeoutMs,
        intermediateTtlMs: config.gc.intermediateTtlMs,
        threads: config.exec.threads,
        fontFile: config.exec.fontFile,
        launch: spawner.launch,
        ranges,
        logger
      })
      : undefined
    jobs = new JobService({
      node,
      membership,
      runner,
      catalog: stepCatalog,
      events,
      metrics,
      logger,
      ffmpegVersion: ffmpeg?.version ?? null
    }, {
      topics: config.topics,
      slots,
      capabilities: ffmpeg?.encoders ?? [],
      lease: config.lease,
      jobs: config.jobs,
      dhtQueryTimeoutMs: config.dht.queryTimeoutMs,
      intermediateTtlMs: config.gc.intermediateTtlMs,
      version: ARTDAG_VERSION
    })
    await jobs.start()
    const jobService = jobs
    teardown.add('jobs', async () => { await jobService.stop() })

    registerTransferMetrics(metrics, () => node.transfer.stats)

    const gc = new GcScheduler(node.content, config.gc.intervalMs, logger)
    gc.start()
    teardown.add('gc', async () => { await gc.stop() })

    if (config.discovery.tailscale.enabled) {
      const tailscale = new TailscaleDiscovery({ libp2p: node.libp2p, metrics: createDiscoveryMetrics(metrics), logger, env }, {
        ...config.discovery.tailscale,
        dialTimeoutMs: config.node.dialTimeoutMs
      })
      await tailscale.start()
      teardown.add('tailscale', async () => { await tailscale.stop() })
    }

    const socket = config.api.socket ?? paths.socket
    const api = createApiServer({
      system: systemBackend({
        node,
        membership: membership.membership,
        version: ARTDAG_VERSION,
        startedAt,
        slots,
        ffmpeg: () => ffmpeg != null ? { path: ffmpeg.binaries.ffmpeg.path, version: ffmpeg.version } : null,
        work: () => ({ steps: jobService.runningSteps(), jobs: jobService.jobCounts() })
      }),
      peers: peersBackend(membership.membership),
      content: node.content,
      events,
      // Transcodes are analysed and expanded here, before the cluster sees the job.
      jobs: runner != null
        ? withTranscodeExpansion(jobService, {
          catalog: stepCatalog,
          analyze: createSourceAnalyzer({
            runner,
            store: node.content,
            catalog: stepCatalog,
            lookupRemote: async (cacheId, o) => await getCacheRecord(node.dht, cacheId, { ...o, timeoutMs: config.dht.queryTimeoutMs }),
            onAnalyzed: (step, cid) => {
              const entry = { cacheId: step.cacheId, cid, producer: node.peerId.toString(), createdAt: Date.now(), stepType: step.type }
              putCacheRecord(node.dht, entry, node.privateKey, { timeoutMs: config.dht.queryTimeoutMs }).catch((err: unknown) => { log.debug({ err }, 'analysis cache record not published') })
            }
          }),
          capabilities: async () => [
            ...(ffmpeg?.encoders ?? []),
            ...started.membership.members().filter(m => m.state === 'alive').flatMap(m => m.record.capabilities.encoders)
          ]
        })
        : jobService,
      metrics,
      logger
    }, { socketPath: socket, home: options.home, maxUploadBytes: config.api.maxUploadBytes })
    await api.start()
    teardown.add('api', async () => { await api.stop() })

    const ready: DaemonReady = { event: 'ready', peerId: node.peerId.toString(), addresses: node.multiaddrs().map(String), socket, home: options.home, version: ARTDAG_VERSION }
    log.info({ ...ready }, 'daemon ready')
    options.stdout?.write(options.json === true
      ? `${JSON.stringify(ready)}\n`
      : `artdag ${ARTDAG_VERSION} ready: peer ${ready.peerId}\n${ready.addresses.map(a => `  listening on ${a}\n`).join('')}  socket ${socket}\n`)

    if (!options.signal.aborted) await new Promise<void>(resolve => { options.signal.addEventListener('abort', () => { resolve() }, { once: true }) })
    log.info('stopping')
  } finally {
    await teardown.run()
    log.info('stopped')
  }
}
