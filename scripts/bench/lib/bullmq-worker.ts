#!/usr/bin/env node
/**
 * One BullMQ worker process for the coordination baseline: it takes jobs from
 * a queue in a local Redis and runs, for each, the same step an artdag daemon
 * would run for it: a fresh workspace named after the step, artdag's own
 * executor (the same ffmpeg command line, through the same process runner),
 * then the workspace removed. It does not add the output to a content store
 * or record a cache entry: that is the job queue's whole job, and artdag's
 * extra per step.
 *
 *   node bullmq-worker.ts <redis port> <queue> <concurrency> <work root> <ffmpeg path>
 *
 * Prints `ready` on stdout once it listens to the queue; SIGTERM closes it.
 */
import { stat } from 'node:fs/promises'
import { Worker } from 'bullmq'
import { CapabilitiesCache } from '../../../src/exec/capabilities.ts'
import { resolveBinaries } from '../../../src/exec/binaries.ts'
import { executeStep } from '../../../src/exec/execute.ts'
import { Workspace } from '../../../src/exec/workspace.ts'

export interface StepJobData {
  /** The step's id: the workspace prefix, as the daemon's step runner names it. */
  id: string
  type: string
  config: Record<string, unknown>
}

export interface StepJobResult {
  bytes: number
  /** Date.now() when the processor was called. */
  startedAt: number
}

const [port, queue, concurrency, workRoot, ffmpeg] = process.argv.slice(2)
if (port == null || queue == null || concurrency == null || workRoot == null || ffmpeg == null) {
  process.stderr.write('usage: bullmq-worker.ts <redis port> <queue> <concurrency> <work root> <ffmpeg path>\n')
  process.exit(2)
}
const binaries = await resolveBinaries({ ffmpeg })
const capabilities = new CapabilitiesCache()
const threads = Number(process.env.ARTDAG_EXEC__THREADS ?? '0')

const worker = new Worker<StepJobData, StepJobResult>(queue, async job => {
  const startedAt = Date.now()
  const workspace = await Workspace.create(workRoot, { prefix: `${job.data.id}-` })
  try {
    const result = await executeStep({
      type: job.data.type,
      config: job.data.config,
      inputs: [],
      workspace,
      binaries,
      capabilities,
      threads,
      timeoutMs: 120_000
    })
    return { bytes: (await stat(result.outputPath)).size, startedAt }
  } finally {
    await workspace.dispose()
  }
}, {
  connection: { host: '127.0.0.1', port: Number(port), maxRetriesPerRequest: null },
  concurrency: Number(concurrency),
  // Every poll cycle of an idle worker is a blocking wait on Redis: no added latency.
  autorun: true
})
worker.on('error', err => {
  process.stderr.write(`worker error: ${err.message}\n`)
})
await worker.waitUntilReady()
process.stdout.write('ready\n')
const close = async (): Promise<void> => {
  await worker.close()
  process.exit(0)
}
process.once('SIGTERM', () => {
  void close()
})
process.once('SIGINT', () => {
  void close()
})
