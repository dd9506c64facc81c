import { availableParallelism } from 'node:os'
import { Registry as MetricsRegistry } from 'prom-client'
import { createApiServer, DEFAULT_CONTENT_TIMEOUT_MS, DEFAULT_EVENT_BUFFER_BYTES, DEFAULT_MAX_JSON_BODY_BYTES } from './api/server.ts'
import type { ApiComponents } from './api/backend.ts'
import { loadConfig } from './config/load.ts'
import { peersBackend, systemBackend } from './daemon/backends.ts'
import { EventBus } from './daemon/event-bus.ts'
import { GcScheduler } from './daemon/gc-scheduler.ts'
import { overridesFromFlags } from './daemon/flags.ts'
import { localNodeState } from './daemon/node-state.ts'
import { StepProgressEvents } from './daemon/progress-events.ts'
import { createDiscoveryMetrics } from './discovery/metrics.ts'
import { TailscaleDiscovery } from './discovery/tailscale.ts'
import { CapabilitiesCache, recipeCodecs } from './exec/capabilities.ts'
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
import { createUiServer } from './ui/server.ts'
import type { UiServer } from './ui/server.ts'
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
  /** The dashboard's base URL (no token: `artdag ui` prints it with one), null when it is off. */
  ui: string | null
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
    return { binaries, version: caps.version, encoders: recipeCodecs(caps) }
  } catch (err) {
    // A node without ffmpeg still stores and serves content and takes part in the cluster; it runs no steps.
    log.warn({ err: (err as Error).message }, 'no usable ffmpeg: this node will run no steps')
    return null
  }
}

/**
 * The dashboard (docs/UI.md), started before the socket so `artdag ui` finds it. One that cannot
 * listen (its ports taken) leaves the daemon running: `/v1/ui` then says why.
 */
async function startDashboard (components: ApiComponents, c: { config: Config, home: string, socket: string, log: Logger }): Promise<UiServer> {
  const ui = createUiServer(components, {
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
  try {
    await ui.start()
  } catch (err: unknown) {
    ui.noteFailure(`the dashboard could not start: ${(err as Error).message}`)
    c.log.warn({ err }, 'the dashboard could not start; the daemon runs without it')
  }
  return ui
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
        runningSteps: () => (jobs?.runningSteps() ?? []).map(({ cacheId, startedAt, progress }) => ({ cacheId, startedAt, progress })),
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
      events.publish({ type: 'heartbeat', peer: hb.peerId, slots: hb.capacity.slots, running: hb.load.runningSteps, loadAverage: hb.load.loadAverage, steps: hb.load.steps ?? [], leases: hb.leases.length, jobs: hb.jobs.length })
    })
    await membership.start({ signal: options.signal })
    const started = membership
    teardown.add('membership', async () => { await started.stop() })

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

    const progress = new StepProgressEvents({ events, runningSteps: () => jobService.runningSteps(), self: node.peerId.toString() })
    await progress.start()
    teardown.add('step-progress', async () => { await progress.stop() })

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
    const apiComponents = {
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
      jobs: jobService,
      metrics,
      logger
    }
    const ui = config.ui.enabled ? await startDashboard(apiComponents, { config, home: options.home, socket, log }) : undefined
    if (ui !== undefined) teardown.add('ui', async () => { await ui.stop() })

    const api = createApiServer({ ...apiComponents, ...(ui !== undefined ? { ui } : {}) }, { socketPath: socket, home: options.home, maxUploadBytes: config.api.maxUploadBytes })
    await api.start()
    teardown.add('api', async () => { await api.stop() })

    const ready: DaemonReady = { event: 'ready', peerId: node.peerId.toString(), addresses: node.multiaddrs().map(String), socket, home: options.home, version: ARTDAG_VERSION, ui: (await ui?.info().catch(() => null))?.url ?? null }
    log.info({ ...ready }, 'daemon ready')
    options.stdout?.write(options.json === true
      ? `${JSON.stringify(ready)}\n`
      : `artdag ${ARTDAG_VERSION} ready: peer ${ready.peerId}\n${ready.addresses.map(a => `  listening on ${a}\n`).join('')}  socket ${socket}\n${ready.ui !== null ? `  dashboard ${ready.ui} (artdag ui prints it with its token)\n` : ''}`)

    if (!options.signal.aborted) await new Promise<void>(resolve => { options.signal.addEventListener('abort', () => { resolve() }, { once: true }) })
    log.info('stopping')
  } finally {
    await teardown.run()
    log.info('stopped')
  }
}
