#!/usr/bin/env node
/**
 * Transcode: one long video over one daemon, over two, and by plain ffmpeg.
 * A 2-minute 1280×720 source with sound is generated once (x264 with a
 * keyframe every 2 s). Then, with the same settings (h264, `--crf`,
 * `--preset`, aac 128k, every encoder on one thread):
 *   - plain `ffmpeg -threads 1` of the whole file, pinned to core 0 (the baseline);
 *   - `artdag transcode` on one daemon pinned to core 0 (with its helper and ffmpeg);
 *   - `artdag transcode` on two daemons, each pinned to its own core.
 * Every daemon runs one step at a time with ffmpeg on one thread
 * (ARTDAG_EXEC__SLOTS=1, ARTDAG_EXEC__THREADS=1), from a fresh home: nothing
 * cached, with `trust.confirmations` 1 (one operator's machines: with the
 * default 2, a second node encodes every chunk again to confirm it, so two
 * daemons do twice the work). Wall time runs from the CLI's start to its end (adding the file,
 * the analysis, the chunks, the join, writing the output). Quality: PSNR and
 * SSIM of each output against the source, and sizes; bytes moved per node:
 * what it fetched from its peers (artdag_bytes_fetched_total: source ranges,
 * chunks for the join, the sound copied out of the source, the output), what
 * it holds of the source afterwards (the source's blocks in its blockstore:
 * what it fetched of the source), and what its ffmpeg read of the source
 * (artdag_range_bytes_total). The sound step reads the sound copied out of the
 * source next to its analysis (transcode_sound), not the source: a node's
 * steps need its chunks' share of the source, the submitter all of it.
 *
 *   npm run bench:transcode [-- --seconds 120] [--crf 20] [--preset medium] [--chunk-seconds 10]
 *   npm run bench:transcode -- --confirmations 2 [...]
 *     (the shipped trust default: a second daemon re-encodes every chunk to confirm it; a
 *     daemon alone confirms its own work; what the default costs two daemons)
 *   npm run bench:transcode -- --bytes-only [--no-audio] [--seconds 60] [--preset ultrafast]
 *     (two daemons only: the bytes figures, no timing comparison; --no-audio leaves the sound out)
 *
 * Targets (issue 10): two daemons ≤ 0.6 × one daemon; chunked PSNR within 0.3 dB of the
 * single-pass encode and size within +3 %.
 */
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { BIN, FFMPEG, FFPROBE } from '../../test/e2e/helpers/cli.ts'
import { flagArg, log, machineFacts, shippedEnv, startBenchCluster, stringArg } from './lib/cluster.ts'
import { fileBytesHeld } from './lib/dag-held.ts'
import { cpuWindow, processTreeCpu } from './lib/cpu.ts'
import { spawnerHelpersOf } from './lib/proc.ts'
import { numberArg, printReport } from './lib/report.ts'
import type { BenchCluster } from './lib/cluster.ts'
import type { Row } from './lib/report.ts'
import { SOUND_OFFSET_S } from '../../src/plan/index.ts'

const run = promisify(execFile)
const seconds = numberArg('seconds', 120)
const crf = numberArg('crf', 20)
const preset = stringArg('preset', 'medium')
const chunkSeconds = numberArg('chunk-seconds', 10)
/** trust.confirmations of every daemon: 1, one operator's machines; 2, the shipped default. */
const confirmations = numberArg('confirmations', 1)
const bytesOnly = flagArg('bytes-only')
/** No sound at all (the figures then show what the chunks alone read). */
const noAudio = flagArg('no-audio')
/** The reference for quality figures: Debian's ffmpeg when installed (faster filters), else the bundled one. */
const METER = existsSync('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : FFMPEG

const dir = await mkdtemp(join(tmpdir(), 'artdag-bench-transcode-'))

async function timed (what: string, work: () => Promise<void>): Promise<number> {
  const started = performance.now()
  await work()
  const ms = performance.now() - started
  log(`${what}: ${(ms / 1000).toFixed(1)} s`)
  return ms
}

/** Pins a daemon, its spawner helper (and so the ffmpeg it starts) to one core. */
async function pin (pid: number, core: number): Promise<void> {
  for (const p of [pid, ...spawnerHelpersOf(pid)]) await run('taskset', ['-a', '-p', '-c', String(core), String(p)])
}

/** PSNR (average, dB) and SSIM (All) of `file` against the source. */
async function quality (file: string, source: string): Promise<{ psnr: number, ssim: number }> {
  const { stderr } = await run(METER, ['-hide_banner', '-nostats', '-i', file, '-i', source, '-lavfi', '[0:v]split[a0][a1];[1:v]split[b0][b1];[a0][b0]psnr;[a1][b1]ssim', '-f', 'null', '-'], { maxBuffer: 64 * 1024 * 1024 })
  const psnr = Number(/PSNR .*average:([\d.]+|inf)/.exec(stderr)?.[1])
  const ssim = Number(/SSIM .*All:([\d.]+)/.exec(stderr)?.[1])
  return { psnr, ssim }
}

async function counters (cluster: BenchCluster, name: string): Promise<number[]> {
  return await Promise.all(cluster.clients.map(async client => {
    const text = await client.metrics()
    return Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0)
  }))
}

interface ClusterRun {
  ms: number
  file: string
  /** Per node: bytes fetched from peers (all content), ffmpeg's reads through the range server, the source's bytes held after. */
  fetched: number[]
  rangeRead: number[]
  sourceHeld: number[]
  /** Per node: the part of the source its steps need (the whole of it for the node that adds it; else its chunks' share of the frames). */
  sourceNeeded: number[]
  chunksByNode: Record<string, number>
  /** Per node, per step type: how many ran there and their run times summed. */
  stepsByNode: Record<string, Record<string, { count: number, seconds: number }>>
  /** Wall seconds before the job was submitted, while it ran, and after it completed (the CLI's clock and the job's). */
  phases: { beforeJobS: number, jobS: number, afterJobS: number }
  /** The node that encoded the sound (from the sound copied out of the source, not the source). */
  soundBy: string | undefined
  /** Per node: CPU seconds of the daemon, its spawner helper and the ffmpeg runs it reaped, during the transcode. */
  cpu: number[]
  /** CPU seconds the rest of the machine used meanwhile (other sessions: how loaded the run was). */
  othersCpu: number
}

async function transcodeOn (names: string[], cores: number[]): Promise<ClusterRun> {
  const base = join(dir, names.join('-'))
  const env = await shippedEnv(dir, {
    ARTDAG_EXEC__SLOTS: '1',
    ARTDAG_EXEC__THREADS: '1',
    ARTDAG_TRUST__CONFIRMATIONS: String(confirmations),
    // The bytes figures are what the chunks read: the copy of the whole source another node keeps
    // (jobs.inputCopies, so the job survives its submitter) is left out there, counted in the timing runs.
    ARTDAG_JOBS__INPUT_COPIES: bytesOnly ? '0' : '1'
  })
  const cluster = await startBenchCluster(base, names, env)
  let stopped = false
  try {
    // Added on the first node, as the CLI does: its CID names the source's blocks.
    const sourceCid = (await (cluster.clients[0] as BenchCluster['clients'][number]).addFile(source)).cid
    for (const [i, daemon] of cluster.daemons.entries()) await pin(daemon.process.pid as number, cores[i] as number)
    // What each node's core did, whatever else ran on the machine: on a quiet one the wall time
    // follows the busier node's CPU.
    const treeOf = (pid: number): number[] => [pid, ...spawnerHelpersOf(pid)]
    const pids = cluster.daemons.map(d => d.process.pid as number)
    const perNode = await Promise.all(pids.map(async pid => await cpuWindow(() => treeOf(pid))))
    const whole = await cpuWindow(() => pids.flatMap(treeOf))
    const out = join(base, 'out.mp4')
    let stdout = ''
    const cliStartedAt = Date.now()
    const ms = await timed(`artdag transcode on ${names.length} daemon(s)`, async () => {
      await new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [
          BIN,
          'transcode',
          source,
          '-o',
          out,
          '--crf',
          String(crf),
          '--preset',
          preset,
          '--chunk-seconds',
          String(chunkSeconds),
          ...(noAudio ? ['--audio-codec', 'none'] : []),
          '--wait',
          '--json',
          '--home',
          cluster.homes[0] as string
        ], {
          env: { ...process.env, ...env },
          stdio: ['ignore', 'pipe', 'inherit']
        })
        child.stdout.on('data', chunk => {
          stdout += String(chunk)
        })
        child.once('exit', code => {
          if (code === 0) resolve()
          else reject(new Error(`artdag transcode exited ${code}`))
        })
      })
    })
    const cliEndedAt = Date.now()
    const job = JSON.parse(stdout) as { job: string, steps: Array<{ type: string, peer: string | null, frames?: number | null, durationMs: number | null }> }
    // Before the job: the add, the analysis and the sound's copy; after it: the output written out.
    const summary = await (cluster.clients[0] as BenchCluster['clients'][number]).job(job.job)
    const phases = {
      beforeJobS: (summary.submittedAt - cliStartedAt) / 1000,
      jobS: (summary.updatedAt - summary.submittedAt) / 1000,
      afterJobS: (cliEndedAt - summary.updatedAt) / 1000
    }
    const chunksByNode: Record<string, number> = {}
    const chunks = job.steps.filter(s => s.type === 'transcode_chunk')
    const totalFrames = chunks.reduce((sum, s) => sum + (s.frames ?? 0), 0)
    const size = (await stat(source)).size
    // The sound step reads the sound copied out next to the analysis (aac copies out), not the source.
    const sourceNeeded = cluster.daemons.map((d, i) => {
      if (i === 0) return size
      return chunks.filter(s => s.peer === d.peerId).reduce((sum, s) => sum + (s.frames ?? 0), 0) / totalFrames * size
    })
    const nodeOf = (peer: string | null): string => `node${cluster.daemons.findIndex(d => d.peerId === peer)}`
    for (const step of chunks) chunksByNode[nodeOf(step.peer)] = (chunksByNode[nodeOf(step.peer)] ?? 0) + 1
    const sound = job.steps.find(s => s.type === 'transcode_audio')
    const soundBy = sound != null ? nodeOf(sound.peer) : undefined
    // Where each kind of step ran and how long its runs took (what the busier node spent its time on).
    const stepsByNode: ClusterRun['stepsByNode'] = {}
    for (const step of job.steps) {
      const byType = stepsByNode[nodeOf(step.peer)] ??= {}
      const entry = byType[step.type] ??= { count: 0, seconds: 0 }
      entry.count++
      entry.seconds += (step.durationMs ?? 0) / 1000
    }
    const cpu = await Promise.all(perNode.map(async w => (await w.end()).oursSeconds))
    const othersCpu = (await whole.end()).othersSeconds
    const [fetched, rangeRead] = await Promise.all([counters(cluster, 'artdag_bytes_fetched_total'), counters(cluster, 'artdag_range_bytes_total')])
    await cluster.stop()
    stopped = true
    return { ms, file: out, fetched, rangeRead, sourceHeld: await fileBytesHeld(cluster.homes, sourceCid), sourceNeeded, chunksByNode, stepsByNode, phases, soundBy, cpu, othersCpu }
  } finally {
    if (!stopped) await cluster.stop()
  }
}

const source = join(dir, 'source.mkv')
try {
  log(`generating a ${seconds} s 1280x720 source with sound`)
  await run(FFMPEG, [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=1280x720:r=25:d=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=f=440:d=${seconds}:r=48000`,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '18',
    '-g',
    '50',
    '-c:a',
    'aac',
    '-b:a',
    '192k',
    source
  ])
  const sourceBytes = (await stat(source)).size
  // The sound as the submitter copies it out of the source (the transcode_sound step's command): what the sound step reads.
  const soundCopy = join(dir, 'sound.nut')
  await run(FFMPEG, ['-v', 'error', '-seek_timestamp', '1', '-i', source, '-map', '0:a:0', '-c', 'copy', '-output_ts_offset', String(SOUND_OFFSET_S), '-avoid_negative_ts', 'disabled', '-fflags', '+bitexact', '-f', 'nut', soundCopy])
  const soundBytes = (await stat(soundCopy)).size

  const perNode = (run: ClusterRun, label: string): Row[] =>
    run.fetched.flatMap((bytes, i) => [
      { metric: `${label}: node${i} fetched from peers`, value: bytes / 1e6, unit: 'MB', baseline: sourceBytes / 1e6, ratio: bytes / sourceBytes },
      {
        metric: `${label}: node${i} holds of the source (baseline: what its steps need)`,
        value: (run.sourceHeld[i] ?? 0) / 1e6,
        unit: 'MB',
        baseline: (run.sourceNeeded[i] ?? 0) / 1e6,
        ratio: (run.sourceHeld[i] ?? 0) / (run.sourceNeeded[i] ?? 1)
      },
      { metric: `${label}: node${i} ffmpeg read of the source`, value: (run.rangeRead[i] ?? 0) / 1e6, unit: 'MB', baseline: sourceBytes / 1e6, ratio: (run.rangeRead[i] ?? 0) / sourceBytes }
    ])
  const frames = async (file: string): Promise<number> => Number((await run(FFPROBE, ['-v', 'error', '-count_packets', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file])).stdout.trim())

  if (bytesOnly) {
    const two = await transcodeOn(['b', 'c'], [0, 1])
    const rows: Row[] = [
      { metric: 'artdag, 2 daemons on 2 cores', value: two.ms / 1000, unit: 's' },
      { metric: 'frames chunked (baseline: source)', value: await frames(two.file), unit: 'frames', baseline: await frames(source) },
      { metric: 'source size', value: sourceBytes / 1e6, unit: 'MB' },
      ...(noAudio ? [] : [{ metric: 'sound copied out of the source (baseline: source)', value: soundBytes / 1e6, unit: 'MB', baseline: sourceBytes / 1e6, ratio: soundBytes / sourceBytes }]),
      ...perNode(two, '2 daemons')
    ]
    printReport('transcode-bytes', rows, {
      machine: machineFacts(),
      settings: { seconds, crf, preset, chunkSeconds, noAudio, confirmations },
      chunksByNode: two.chunksByNode,
      stepsByNode: two.stepsByNode,
      phases: two.phases,
      soundBy: two.soundBy,
      fetched: two.fetched,
      rangeRead: two.rangeRead,
      sourceHeld: two.sourceHeld,
      sourceNeeded: two.sourceNeeded
    })
  } else {
    const single = join(dir, 'single.mp4')
    // Plain ffmpeg is this process's child: its CPU is in our reaped children's once it exits.
    const cpuBefore = await processTreeCpu(process.pid)
    const singleMs = await timed('plain ffmpeg -threads 1 on core 0', async () => {
      await run('taskset', ['-c', '0', FFMPEG, '-v', 'error', '-threads', '1', '-i', source, '-c:v', 'libx264', '-crf', String(crf), '-preset', preset, '-threads', '1', '-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart', single])
    })
    const singleCpu = await processTreeCpu(process.pid) - cpuBefore
    const one = await transcodeOn(['a'], [0])
    const two = await transcodeOn(['b', 'c'], [0, 1])
    const oneCpu = one.cpu[0] ?? 0
    const busier = Math.max(...two.cpu)

    const [qSingle, qChunked] = await Promise.all([quality(single, source), quality(two.file, source)])
    const [singleBytes, chunkedBytes] = await Promise.all([stat(single), stat(two.file)]).then(s => s.map(x => x.size))

    const rows: Row[] = [
      { metric: 'plain ffmpeg, 1 core', value: singleMs / 1000, unit: 's' },
      { metric: 'artdag, 1 daemon on 1 core', value: one.ms / 1000, unit: 's', baseline: singleMs / 1000, ratio: one.ms / singleMs },
      { metric: 'artdag, 2 daemons on 2 cores', value: two.ms / 1000, unit: 's', baseline: one.ms / 1000, ratio: two.ms / one.ms, target: '≤ 0.6', pass: two.ms / one.ms <= 0.6 },
      { metric: '2 daemons vs plain ffmpeg', value: two.ms / 1000, unit: 's', baseline: singleMs / 1000, ratio: two.ms / singleMs },
      { metric: 'CPU: plain ffmpeg', value: singleCpu, unit: 's' },
      { metric: 'CPU: 1 daemon (daemon, helper, ffmpeg)', value: oneCpu, unit: 's', baseline: singleCpu, ratio: oneCpu / singleCpu },
      { metric: 'CPU: 2 daemons, the busier node (its core)', value: busier, unit: 's', baseline: oneCpu, ratio: busier / oneCpu, target: '≤ 0.6 (the wall time on a quiet machine)', pass: busier / oneCpu <= 0.6 },
      { metric: 'CPU: 2 daemons, both nodes', value: two.cpu.reduce((a, b) => a + b, 0), unit: 's', baseline: oneCpu, ratio: two.cpu.reduce((a, b) => a + b, 0) / oneCpu },
      { metric: 'CPU of other processes during 1 daemon (load)', value: one.othersCpu, unit: 's' },
      { metric: 'CPU of other processes during 2 daemons (load)', value: two.othersCpu, unit: 's' },
      { metric: 'PSNR single-pass', value: qSingle.psnr, unit: 'dB' },
      { metric: 'PSNR chunked', value: qChunked.psnr, unit: 'dB', baseline: qSingle.psnr, target: '≥ single − 0.3', pass: qChunked.psnr >= qSingle.psnr - 0.3 },
      { metric: 'SSIM single-pass', value: qSingle.ssim, unit: '' },
      { metric: 'SSIM chunked', value: qChunked.ssim, unit: '', baseline: qSingle.ssim },
      { metric: 'size single-pass', value: singleBytes as number / 1e6, unit: 'MB' },
      {
        metric: 'size chunked',
        value: chunkedBytes as number / 1e6,
        unit: 'MB',
        baseline: singleBytes as number / 1e6,
        ratio: (chunkedBytes as number) / (singleBytes as number),
        target: '≤ 1.03',
        pass: (chunkedBytes as number) / (singleBytes as number) <= 1.03
      },
      { metric: 'frames chunked (baseline: source)', value: await frames(two.file), unit: 'frames', baseline: await frames(source) },
      { metric: 'source size', value: sourceBytes / 1e6, unit: 'MB' },
      { metric: 'sound copied out of the source (baseline: source)', value: soundBytes / 1e6, unit: 'MB', baseline: sourceBytes / 1e6, ratio: soundBytes / sourceBytes },
      ...perNode(two, '2 daemons')
    ]
    printReport('transcode', rows, {
      machine: machineFacts(),
      settings: { seconds, crf, preset, chunkSeconds, confirmations },
      chunksByNode: { one: one.chunksByNode, two: two.chunksByNode },
      stepsByNode: { one: one.stepsByNode, two: two.stepsByNode },
      phases: { one: one.phases, two: two.phases },
      soundBy: two.soundBy,
      fetched: { one: one.fetched, two: two.fetched },
      rangeRead: two.rangeRead,
      sourceHeld: two.sourceHeld,
      cpu: { single: singleCpu, one: one.cpu, two: two.cpu, othersDuringOne: one.othersCpu, othersDuringTwo: two.othersCpu }
    })
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
