import { spawn } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { Queue, QueueEvents } from 'bullmq'
import { log } from './cluster.ts'
import { startRedis } from './redis.ts'
import { tinyGenerateConfig } from './recipes.ts'
import { chain } from './step-timing.ts'
import type { StepJobData, StepJobResult } from './bullmq-worker.ts'
import type { FfmpegClock, FfmpegRun } from './ffmpeg-clock.ts'
import type { StepTiming, System } from './step-timing.ts'
import type { ChildProcess } from 'node:child_process'

const WORKER_SCRIPT = fileURLToPath(new URL('./bullmq-worker.ts', import.meta.url))
const QUEUE = 'tiny-steps'

export interface BullmqSystemInit {
  /** Where the workers make their step workspaces. */
  workRoot: string
  /** Jobs each of the three workers runs at once. */
  concurrency: number
  /** Undone, newest first, by the caller. */
  cleanups: Array<() => Promise<unknown>>
}

/**
 * The baseline: redis-server on a free loopback port, three worker processes
 * (lib/bullmq-worker.ts) on one queue, and the same measurements as artdag's.
 */
export async function bullmqSystem (clock: FfmpegClock, init: BullmqSystemInit): Promise<System> {
  const { workRoot, concurrency: slots, cleanups } = init
  const redis = await startRedis()
  cleanups.push(async () => {
    await redis.stop()
  })
  await mkdir(workRoot, { recursive: true })
  log(`redis-server on port ${redis.port}; starting three BullMQ workers (concurrency ${slots})…`)
  const workers: ChildProcess[] = []
  cleanups.push(async () => {
    await Promise.all(workers.map(async w => {
      if (w.exitCode != null || w.signalCode != null) return
      const exited = new Promise(resolve => w.once('exit', resolve))
      w.kill('SIGTERM')
      await exited
    }))
  })
  await Promise.all([0, 1, 2].map(async () => {
    const child = spawn(process.execPath, [WORKER_SCRIPT, String(redis.port), QUEUE, String(slots), workRoot, clock.path], { stdio: ['ignore', 'pipe', 'inherit'] })
    workers.push(child)
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('a BullMQ worker was not ready after 30 s'))
      }, 30_000)
      createInterface({ input: child.stdout! }).on('line', line => {
        if (line === 'ready') {
          clearTimeout(timer)
          resolve()
        }
      })
      child.once('exit', code => {
        clearTimeout(timer)
        reject(new Error(`a BullMQ worker exited (${String(code)}) before it was ready`))
      })
    })
  }))
  const connection = { host: '127.0.0.1', port: redis.port }
  const queue = new Queue<StepJobData>(QUEUE, { connection })
  const events = new QueueEvents(QUEUE, { connection })
  cleanups.push(async () => {
    await events.close()
    await queue.close()
  })
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()])
  // Completion as the bench learns it (the same way it learns artdag's job.completed: a pushed event).
  const completedAt = new Map<string, number>()
  const waiters = new Map<string, () => void>()
  events.on('completed', ({ jobId }) => {
    completedAt.set(jobId, Date.now())
    waiters.get(jobId)?.()
    waiters.delete(jobId)
  })
  events.on('failed', ({ jobId, failedReason }) => {
    log(`BullMQ job ${jobId} failed: ${failedReason}`)
  })
  const completion = async (jobId: string): Promise<number> => {
    if (!completedAt.has(jobId)) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`BullMQ job ${jobId} did not complete in 300 s`))
        }, 300_000)
        waiters.set(jobId, () => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
    return completedAt.get(jobId)!
  }
  const timingOf = async (jobId: string, tag: string, runnableAt: number, runs: FfmpegRun[]): Promise<StepTiming> => {
    const job = await queue.getJob(jobId)
    const run = runs.find(r => r.cwd.includes(`/${tag}-`))?.at
    const done = completedAt.get(jobId)
    const result = job?.returnvalue as StepJobResult | undefined
    return {
      ...(job?.processedOn != null ? { claimed: job.processedOn - runnableAt } : {}),
      ...(run !== undefined ? { ffmpeg: run - runnableAt } : {}),
      ...(done !== undefined ? { done: done - runnableAt } : {}),
      stages: chain([
        ['runnable', runnableAt],
        ['Queue.add → processedOn (a worker took it)', job?.processedOn ?? undefined],
        ['→ processor called', result?.startedAt],
        ['→ ffmpeg started (workspace, executor, spawn)', run],
        ['→ finishedOn', job?.finishedOn ?? undefined],
        ['→ completed event read', done]
      ])
    }
  }

  return {
    name: 'bullmq',
    pids: () => [redis.pid, ...workers.map(w => w.pid!)],
    one: async (tag, seed) => {
      const at = Date.now()
      const job = await queue.add('generate', { id: tag, type: 'generate', config: tinyGenerateConfig(seed) }, { removeOnComplete: false })
      await completion(job.id!)
      return await timingOf(job.id!, tag, at, await clock.runs())
    },
    burst: async (tags, seed) => {
      const at = Date.now()
      const jobs = await queue.addBulk(tags.map((tag, i) => ({ name: 'generate', data: { id: tag, type: 'generate', config: tinyGenerateConfig(seed + i) } })))
      const ends = await Promise.all(jobs.map(async job => await completion(job.id!)))
      const runs = await clock.runs()
      return {
        seconds: (Math.max(...ends) - at) / 1000,
        timings: await Promise.all(jobs.map(async (job, i) => await timingOf(job.id!, tags[i]!, at, runs)))
      }
    }
  }
}
