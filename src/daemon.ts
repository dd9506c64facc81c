import { availableParallelism } from 'node:os'
import { Registry as MetricsRegistry } from 'prom-client'
import { scrapedCounter } from './metrics.ts'
import { createApiServer, DEFAULT_CONTENT_TIMEOUT_MS, DEFAULT_EVENT_BUFFER_BYTES, DEFAULT_MAX_JSON_BODY_BYTES } from './api/server/index.ts'
import type { ApiComponents, DaemonReady } from './api/index.ts'
import { homePaths, loadConfig, loadConfigModules } from './config/index.ts'
import type { Config } from './config/index.ts'
import { EventBus, GcScheduler, JobProgress, localNodeState, overridesFromFlags, peersBackend, StepProgressEvents, systemBackend } from './daemon/index.ts'
import type { DaemonFlags } from './daemon/index.ts'
import { TailscaleDiscovery, createDiscoveryMetrics } from './discovery/index.ts'
import { CapabilitiesCache, Spawner, advertisedEncoders, removeStaleWorkspaces, resolveBinaries, stepCatalog } from './exec/index.ts'
import type { ResolvedBinaries } from './exec/index.ts'
import { StepRunner, workRootFor } from './engine/index.ts'
import { JobService } from './jobs/index.ts'
import { createSourceAnalyzer, RangeServer } from './engine/index.ts'
import { withTranscodeExpansion } from './daemon/index.ts'
import { getCacheRecord, putCacheRecord } from './store/index.ts'
import { createLogger } from './log.ts'
import { MembershipService, createMembershipMetrics } from './membership/index.ts'
import { CACHE_RECORD_NAMESPACE, CacheRecordRepublisher, createCacheRecordValidator, DatastoreStepLogs, toMetadata } from './store/index.ts'
import { registerTransferMetrics } from './store/transfer/index.ts'
import { createArtdagNode, loadNodeModules } from './node/index.ts'
import { createUiServer } from './ui/index.ts'
import type { UiServer } from './ui/index.ts'
import { errorMessage } from './errors.ts'
import { ARTDAG_VERSION } from './version.ts'
import type { Logger } from './log.ts'
import { startAll, stopAll, systemClock, systemScheduler } from './lifecycle/index.ts'
import type { Startable } from './lifecycle/index.ts'
import { defined } from './defined.ts'

export type { DaemonFlags }

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

/** What the daemon announces once every listener is up (docs/API.md). */
export type { DaemonReady }

async function ffmpegOf (config: Config, env: Record<string, string | undefined> | undefined, log: Logger): Promise<{ binaries: ResolvedBinaries, version: string, encoders: string[] } | null> {
  try {
    const binaries = await resolveBinaries({ ffmpeg: config.exec.ffmpeg, ffprobe: config.exec.ffprobe, env })
    const caps = await new CapabilitiesCache().get(binaries.ffmpeg.path, { timeoutMs: 15_000 })
    // Codecs, and the hardware encoders that encode a trial frame here: what heartbeats advertise.
    return { binaries, version: caps.version, encoders: await advertisedEncoders(caps, { timeoutMs: 15_000 }) }
  } catch (err: unknown) {
    // A node without ffmpeg still stores and serves content and takes part in the cluster; it runs no steps.
    log.warn({ err }, 'no usable ffmpeg: this node will run no steps')
    return null
  }
}

/**
 * The dashboard (docs/UI.md), started before the socket so `artdag ui` finds it. One that cannot
 * listen (its ports taken) leaves the daemon running: `/v1/ui` then says why.
 */
function dashboard (components: ApiComponents, c: { config: Config, home: string, socket: string, log: Logger }): Startable & { server: UiServer } {
  const server = createUiServer(components, {
    host: c.config.ui.host,
    port: c.config.ui.port,
    tokenFile: homePaths(c.home).uiToken,
    home: c.home,
    socketPath: c.socket,
    maxUploadBytes: c.config.api.maxUploadBytes,
    maxJsonBodyBytes: DEFAULT_MAX_JSON_BODY_BYTES,
    contentTimeoutMs: DEFAULT_CONTENT_TIMEOUT_MS,
    eventBufferBytes: DEFAULT_EVENT_BUFFER_BYTES,
    now: Date.now
  })
  return {
    server,
    start: async () => {
      try {
        await server.start()
      } catch (err: unknown) {
        // The daemon runs without a dashboard rather than not at all; /v1/ui says why.
        server.noteFailure(`the dashboard could not start: ${errorMessage(err)}`)
        c.log.warn({ err }, 'the dashboard could not start; the daemon runs without it')
      }
    },
    stop: async () => {
      await server.stop()
    }
  }
}

/** Every module runDaemon loads as it starts: this file's imports, and those its parts load on first use. */
export async function loadDaemonModules (): Promise<void> {
  await Promise.all([loadConfigModules(), loadNodeModules()])
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
  const paths = homePaths(options.home)
  const logger = createLogger({ level: config.log.level, format: config.log.format, file: paths.daemonLog })
  const log = logger.forComponent('artdag:daemon')
  const clock = systemClock
  const scheduler = systemScheduler
  const startedAt = clock.wallNow()
  const metrics = new MetricsRegistry()
  const events = new EventBus(logger, clock)
  const slots = config.exec.slots > 0 ? config.exec.slots : availableParallelism()
  /** Started components, oldest first: stopAll stops them newest first. */
  let started: Startable[] = []

  try {
    const ffmpeg = await ffmpegOf(config, env, log)
    options.signal.throwIfAborted()

    // The DHT validates cache records against membership, which exists only once the node runs;
    // heartbeats carry the job service's leases and jobs, and it starts after membership.
    let membership: MembershipService | undefined
    let jobs: JobService | undefined
    // The node is made started (libp2p, Helia, the stores and the repo lock come up together).
    const node = await createArtdagNode({
      home: options.home,
      listen: config.node.listen,
      announce: config.node.announce,
      dialFrom: config.node.dialFrom ?? undefined,
      bootstrap: config.node.bootstrap,
      dialTimeoutMs: config.node.dialTimeoutMs,
      kadProtocol: config.dht.protocol,
      allowPeers: config.node.allowPeers,
      // Invalid messages on our topics lower the sender's gossipsub score (src/node/gossipsub.ts).
      pubsub: { scoredTopics: Object.values(config.topics) },
      validators: {
        [CACHE_RECORD_NAMESPACE]: createCacheRecordValidator({ isMember: peerId => membership?.membership.isMember(peerId) ?? true })
      },
      logger
    }, { signal: options.signal })
    started = [{ start: async () => {}, stop: node.stop }]
    // The home's lock is ours: the workspaces a daemon that died mid-step left are nobody's.
    const stale = await removeStaleWorkspaces(workRootFor(options.home, config))
    if (stale > 0) log.info({ workspaces: stale }, 'removed the work directories a stopped process left')

    // Remote peers drop DHT records after 48 h and put() never republishes: re-put what we produced.
    const republisher = new CacheRecordRepublisher({
      dht: node.dht,
      privateKey: node.privateKey,
      peerId: node.peerId,
      entries: o => node.cacheIndex.entries(o),
      logger,
      scheduler
    }, { republishIntervalMs: config.dht.republishIntervalMs, queryTimeoutMs: config.dht.queryTimeoutMs })

    const { allowPeers: memberPeers, ...membershipTimings } = config.membership
    membership = new MembershipService({
      libp2p: node.libp2p,
      helia: node.helia,
      ipns: node.ipns,
      privateKey: node.privateKey,
      logger,
      metrics: createMembershipMetrics(metrics),
      registryPinMetadata: toMetadata({ kind: 'final', labels: { purpose: 'membership-registry' } }),
      clock,
      scheduler,
      localState: async () =>
        await localNodeState({
          home: options.home,
          slots: ffmpeg != null ? slots : 0,
          capabilities: () => ({ ffmpegVersion: ffmpeg?.version ?? null, encoders: ffmpeg?.encoders ?? [], threads: config.exec.threads }),
          runningSteps: () => (jobs?.runningSteps() ?? []).map(({ cacheId, startedAt, progress }) => ({ cacheId, startedAt, progress })),
          coordination: () => jobs?.heartbeatSummary() ?? { leases: [], jobs: [] }
        })
    }, {
      version: ARTDAG_VERSION,
      heartbeatTopic: config.topics.heartbeat,
      timings: membershipTimings,
      allowPeers: memberPeers,
      registry: config.registry
    })
    membership.membership.onEvent(event => {
      const member = { peer: event.peerId, at: event.at, time: event.at }
      switch (event.type) {
        case 'joined':
          events.emit({ ...member, type: 'member.joined', source: event.source })
          break
        case 'forgotten':
          events.emit({ ...member, type: 'member.forgotten' })
          break
        default:
          events.emit({ ...member, type: `member.${event.type}`, ...defined({ previous: event.previous }) })
      }
    })
    membership.heartbeats.onHeartbeat(hb => {
      events.emit({
        type: 'heartbeat',
        peer: hb.peerId,
        slots: hb.capacity.slots,
        running: hb.load.runningSteps,
        loadAverage: hb.load.loadAverage,
        steps: hb.load.steps ?? [],
        leases: hb.leases.length,
        jobs: hb.jobs.length,
        ...defined({ nextInMs: hb.nextInMs })
      })
    })

    // Transcode chunks read their source through it: only the byte ranges they need are fetched.
    const ranges = new RangeServer({ cat: (cid, o) => node.content.cat(cid, o), logger })

    // ffmpeg and ffprobe start from a small helper process: a fork of the daemon blocked its loop.
    const spawner = new Spawner({ logger, scheduler })
    // Each run's ffmpeg log, for `artdag logs JOB STEP`.
    const stepLogs = new DatastoreStepLogs({ datastore: node.helia.datastore })
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
        stepLogs,
        logger
      })
      : undefined
    const jobService = jobs = new JobService({
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
      trust: config.trust,
      dhtQueryTimeoutMs: config.dht.queryTimeoutMs,
      intermediateTtlMs: config.gc.intermediateTtlMs,
      version: ARTDAG_VERSION
    })

    registerTransferMetrics(metrics, () => node.transfer.stats)
    scrapedCounter(metrics, 'artdag_range_bytes_total', 'Bytes steps read through the range server: what ffmpeg asked for of the inputs it streams', () => ranges.bytesServed)
    const self = node.peerId.toString()
    const transcodes = new JobProgress({
      jobs: jobService,
      running: () => [
        ...jobService.runningSteps().map(({ cacheId, startedAt, progress }) => ({ peer: self, cacheId, startedAt, progress })),
        ...membership.membership.members().filter(m => m.peerId !== self && m.state === 'alive').flatMap(m => (m.heartbeat?.load.steps ?? []).map(step => ({ ...step, peer: m.peerId })))
      ]
    })
    const progress = new StepProgressEvents({ events, runningSteps: () => jobService.runningSteps(), self, jobs: transcodes, logger, scheduler, clock })
    const gc = new GcScheduler({ store: node.content, logger, scheduler }, config.gc.intervalMs)
    const tailscale = config.discovery.tailscale.enabled
      ? new TailscaleDiscovery({ libp2p: node.libp2p, metrics: createDiscoveryMetrics(metrics), logger, env, scheduler }, {
        ...config.discovery.tailscale,
        dialTimeoutMs: config.node.dialTimeoutMs
      })
      : undefined

    const socket = config.api.socket ?? paths.socket
    const apiComponents = {
      system: systemBackend({
        node,
        membership: membership.membership,
        version: ARTDAG_VERSION,
        startedAt,
        slots,
        ffmpeg: () => ffmpeg != null ? { path: ffmpeg.binaries.ffmpeg.path, version: ffmpeg.version } : null,
        work: () => ({ steps: jobService.runningSteps(), jobs: jobService.jobCounts() }),
        tailscale
      }),
      peers: peersBackend(membership.membership),
      content: node.content,
      stepLogs,
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
              putCacheRecord(node.dht, entry, node.privateKey, { timeoutMs: config.dht.queryTimeoutMs }).catch((err: unknown) => {
                log.debug({ err }, 'analysis cache record not published')
              })
            }
          }),
          capabilities: async () => [
            ...(ffmpeg?.encoders ?? []),
            ...membership.membership.members().filter(m => m.state === 'alive').flatMap(m => m.record.capabilities.encoders)
          ]
        })
        : jobService,
      metrics,
      logger,
      scheduler
    }
    const ui = config.ui.enabled ? dashboard(apiComponents, { config, home: options.home, socket, log }) : undefined
    const api = createApiServer({ ...apiComponents, ...defined({ ui: ui?.server }) }, { socketPath: socket, home: options.home, maxUploadBytes: config.api.maxUploadBytes })

    // In this order; the dashboard before the socket (so `artdag ui` finds it), the socket last, so a
    // client that can connect finds a node that is up. A component that fails to start stops the
    // ones before it (startAll), newest first.
    const components: Startable[] = [republisher, membership, ranges, spawner, jobService, progress, gc, ...(tailscale !== undefined ? [tailscale] : []), ...(ui !== undefined ? [ui] : []), api]
    await startAll(components, { signal: options.signal })
    started = [...started, ...components]

    const ready: DaemonReady = { event: 'ready', peer: node.peerId.toString(), addresses: node.multiaddrs().map(String), socket, home: options.home, version: ARTDAG_VERSION, ui: (await ui?.server.info().catch(() => null))?.url ?? null }
    log.info({ ...ready }, 'daemon ready')
    options.stdout?.write(
      options.json === true
        ? `${JSON.stringify(ready)}\n`
        : `artdag ${ARTDAG_VERSION} ready: peer ${ready.peer}\n${ready.addresses.map(a => `  listening on ${a}\n`).join('')}  socket ${socket}\n${ready.ui !== null ? `  dashboard ${ready.ui} (artdag ui prints it with its token)\n` : ''}`
    )

    if (!options.signal.aborted) {
      await new Promise<void>(resolve => {
        options.signal.addEventListener('abort', () => {
          resolve()
        }, { once: true })
      })
    }
    log.info('stopping')
  } finally {
    // Every component is stopped even if one fails; each failure is logged.
    for (const err of await stopAll(started)) log.warn({ err }, 'error while stopping')
    log.info('stopped')
    logger.close()
  }
}
