import { EventRecorder, jobEnded } from './events.ts'
import { startedBy } from './ffmpeg-clock.ts'
import { log } from './cluster.ts'
import type { Recorded } from './events.ts'
import type { FfmpegClock } from './ffmpeg-clock.ts'
import type { ApiClient } from '../../../src/api/client.ts'
import type { Daemon } from '../../../test/e2e/helpers/daemon.ts'

/**
 * One takeover measurement: a job of one long step; once its ffmpeg has run
 * `killAfterMs` plus a random part of one renewal interval (so kills fall
 * anywhere between two renewals), the holder gets `kill -9`. Measured from the
 * kill: the takeover claim, the step running again elsewhere (event, and the
 * new ffmpeg's start), the job completed on a survivor. Then the killed
 * daemon is restarted (`restart`), which resolves once the cluster is whole.
 */

export interface TakeoverCluster {
  /** The running daemons by index (a restart replaces its entry). */
  daemons: Daemon[]
  clients: ApiClient[]
  clock: FfmpegClock
  restart: (index: number, survivor: number) => Promise<void>
}

export interface TakeoverSample {
  toClaim: number
  toRunning: number
  toFfmpeg: number
  toDone: number
  ranBeforeKill: number
  reason: string
}

export async function takeoverOnce (cluster: TakeoverCluster, options: { tag: string, seed: number, submitter: number, stepSeconds: number, killAfterMs: number, renewMs: number }): Promise<TakeoverSample> {
  const { tag } = options
  const { clock } = cluster
  const recorder = await EventRecorder.start(cluster.clients, ['job', 'step'])
  try {
    const indexOf = new Map(cluster.daemons.map((d, i) => [d.peerId, i]))
    // A few seconds of x264 per run on one core: long enough to be killed mid-way.
    const recipe = { version: 1, name: 'takeover', nodes: { [tag]: { type: 'generate', config: { pattern: 'testsrc2', duration: options.stepSeconds, width: 640, height: 360, fps: 25, audio: 'none', seed: options.seed } } }, output: tag }
    const job = await cluster.clients[options.submitter]!.submitJob({ recipe, inputs: {} })
    const own = (type: string) => (r: Recorded): boolean => r.event.job === job.id && r.event.type === type && indexOf.get(r.event.peer ?? '') === r.node
    const running = await recorder.waitFor(own('step.running'), 'the step running', 60_000)
    const holder = running.node
    const victim = cluster.daemons[holder]!
    // Its ffmpeg must have started and run a while: the kill hits a step mid-work.
    const first = await waitForRun(async () => (await clock.runs()).find(r => startedBy(r, victim.process.pid) && r.cwd.includes(`/${tag}-`)))
    // Anywhere in a renewal period: the lease lapses ttl after the holder was last heard, so the phase matters.
    const killAt = first.at + options.killAfterMs + Math.random() * options.renewMs
    await new Promise(resolve => setTimeout(resolve, Math.max(0, killAt - Date.now())))
    if (recorder.events.some(r => r.event.job === job.id && r.event.type === 'step.completed')) {
      throw new Error(`the step finished before the kill (${Math.round(Date.now() - first.at)} ms of ffmpeg): raise --step-seconds`)
    }
    const killedAt = Date.now()
    await victim.kill()
    log(`  killed the holder (daemon ${holder}) ${Math.round(killedAt - first.at)} ms into its ffmpeg`)
    const survivor = (holder + 1) % cluster.daemons.length
    // After the kill: on a slow network, other nodes may have claimed (and lost) the step at the start.
    const claim = await recorder.waitFor(r => r.event.job === job.id && r.event.type === 'step.claimed' && r.node !== holder && indexOf.get(r.event.peer ?? '') === r.node && r.event.time >= killedAt, 'the takeover claim', 60_000)
    const again = await recorder.waitFor(r => own('step.running')(r) && r.node !== holder && r.event.time >= killedAt, 'the step running again', 60_000)
    const newHolder = cluster.daemons[again.node]!
    const rerun = await waitForRun(async () => (await clock.runs()).find(r => startedBy(r, newHolder.process.pid) && r.cwd.includes(`/${tag}-`) && r.at >= killedAt))
    const end = await recorder.waitFor(jobEnded(job.id, survivor), 'the job to end on a survivor', 300_000)
    if (end.event.type !== 'job.completed') throw new Error(`job ${job.id} ${end.event.type}: ${String(end.event.error)}`)
    const sample = {
      toClaim: claim.event.time - killedAt,
      toRunning: again.event.time - killedAt,
      toFfmpeg: rerun.at - killedAt,
      toDone: end.event.time - killedAt,
      ranBeforeKill: Math.round(killedAt - first.at),
      reason: typeof claim.event.reason === 'string' ? claim.event.reason : 'no reason'
    }
    log(`  claimed ${sample.toClaim} ms (${sample.reason}), running ${sample.toRunning} ms, ffmpeg ${Math.round(sample.toFfmpeg)} ms, job completed ${sample.toDone} ms after the kill`)
    // Back to full strength: the killed daemon restarts on its home (it releases nothing: its lease was taken over).
    await cluster.restart(holder, survivor)
    return sample
  } finally {
    await recorder.stop()
  }
}

async function waitForRun<T> (find: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const found = await find()
    if (found !== undefined) return found
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  throw new Error('timed out waiting for an ffmpeg run')
}
