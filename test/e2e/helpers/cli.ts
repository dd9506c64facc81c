import { execFile, spawn } from 'node:child_process'
import { chmod, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChildProcess } from 'node:child_process'

/** Black-box helpers: run `artdag` as a user does, in temporary homes (Kubo's test/cli/harness style). */

export const BIN = fileURLToPath(new URL('../../../bin/artdag.js', import.meta.url))
export const FFMPEG = fileURLToPath(new URL('../../../node_modules/@ffmpeg-installer/linux-x64/ffmpeg', import.meta.url))
export const FFPROBE = fileURLToPath(new URL('../../../node_modules/@ffprobe-installer/linux-x64/ffprobe', import.meta.url))

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export interface RunOptions {
  env?: Record<string, string | undefined>
  cwd?: string | undefined
  timeoutMs?: number | undefined
}

/** Runs `artdag ...args` to completion. The timeout is a bound, not a wait. */
export function artdag (args: string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise(resolve => {
    execFile(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, ARTDAG_HOME: '', ...options.env }
    }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1, stdout, stderr })
    })
  })
}

/** Runs `artdag ...args` and returns stdout as bytes (for `cat`). */
export function artdagBytes (args: string[], options: RunOptions = {}): Promise<{ code: number, stdout: Buffer, stderr: string }> {
  return new Promise(resolve => {
    execFile(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 256 * 1024 * 1024,
      encoding: 'buffer',
      env: { ...process.env, ARTDAG_HOME: '', ...options.env }
    }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1, stdout, stderr: stderr.toString('utf8') })
    })
  })
}

/** Starts `artdag ...args` and returns the child; the caller ends it. */
export function spawnArtdag (args: string[], options: RunOptions = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ARTDAG_HOME: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
}

/**
 * A real ffmpeg that records every run: a script that appends its pid and
 * arguments to a log, then execs the real binary. Pointing ARTDAG_FFMPEG at it
 * lets a test count the ffmpeg processes a command started.
 */
export async function countingFfmpeg (dir: string): Promise<{ path: string, runs: () => Promise<string[]> }> {
  const path = join(dir, 'ffmpeg-counting')
  const log = join(dir, 'ffmpeg-runs.log')
  await writeFile(log, '')
  await writeFile(path, `#!/bin/sh\necho "$$ $*" >> '${log}'\nexec '${FFMPEG}' "$@"\n`)
  await chmod(path, 0o755)
  return {
    path,
    runs: async () => (await readFile(log, 'utf8')).split('\n').filter(line => line !== '' && !/ -(version|encoders|filters|h|pix_fmts)\b/.test(line))
  }
}

export interface GatedFfmpeg {
  /** The wrapper to point ARTDAG_FFMPEG at; give each daemon GATE_NODE=<name>. */
  path: string
  /** From now on, a run of the tone `frequency` waits (running: its process started) until `release`. */
  hold: (frequency: number) => Promise<void>
  release: (frequency: number) => Promise<void>
  /** The nodes (GATE_NODE) that started a run of the tone `frequency`, one entry per run. */
  runs: (frequency: number) => Promise<string[]>
  /** The nodes (GATE_NODE) that started an ffmpeg run for the recipe step `step` (in its workspace, named after it), one entry per run. */
  stepRuns: (step: string) => Promise<string[]>
}

/**
 * A real ffmpeg behind a gate, for steps a test must catch while they run: a
 * run whose arguments hold a sine tone `sine=f=F` (a generate step with
 * `frequency: F`) is logged with its node's name and, while `<dir>/hold-F`
 * exists, waits before it execs the real binary. Other runs (probes, other
 * steps) go straight through. Every run is logged too, with its node
 * (`stepRuns`: the runs of one recipe step).
 */
export async function gatedFfmpeg (dir: string): Promise<GatedFfmpeg> {
  const path = join(dir, 'ffmpeg-gated')
  const log = join(dir, 'ffmpeg-gated.log')
  const all = join(dir, 'ffmpeg-gated-all.log')
  const holdFile = (frequency: number): string => join(dir, `hold-${frequency}`)
  await writeFile(log, '')
  await writeFile(all, '')
  await writeFile(
    path,
    `#!/bin/sh\necho "\${GATE_NODE:-?} $PWD/ $*" >> '${all}'\nf=$(printf '%s\\n' "$@" | sed -n 's/.*sine=f=\\([0-9][0-9]*\\).*/\\1/p' | head -n 1)\n` +
      `if [ -n "$f" ]; then\n  echo "\${GATE_NODE:-?} $f" >> '${log}'\n  while [ -e '${dir}/hold-'"$f" ]; do sleep 0.05; done\nfi\nexec '${FFMPEG}' "$@"\n`
  )
  await chmod(path, 0o755)
  return {
    path,
    hold: async frequency => {
      await writeFile(holdFile(frequency), '')
    },
    release: async frequency => {
      await rm(holdFile(frequency), { force: true })
    },
    runs: async frequency =>
      (await readFile(log, 'utf8')).split('\n').flatMap(line => {
        const [node, f] = line.split(' ')
        return f === String(frequency) && node !== undefined ? [node] : []
      }),
    stepRuns: async step =>
      (await readFile(all, 'utf8')).split('\n').flatMap(line => {
        const node = line.split(' ')[0]
        return node !== undefined && line.includes(`/work/${step}-`) ? [node] : []
      })
  }
}

export interface StandInOptions {
  /**
   * Encode a transcode's chunks at the source's own pace (`-re`: a 1 s chunk
   * takes about 1 s, whatever the machine), so a test can act while chunks run.
   */
  pace?: boolean
  /**
   * Claim an NVIDIA encoder: `-encoders` lists `h264_nvenc`, and a run asking
   * for it gets libx264 instead (its options mapped: `-cq` → `-crf`, `-rc`
   * dropped), so the node's trial frame and its chunks encode.
   */
  nvenc?: boolean
  /**
   * A transcode's encodes (its chunks and its sound) wait two minutes before
   * they start: the node takes them and finishes none while a test lasts
   * (bounded, should the process outlive its daemon).
   */
  stallEncodes?: boolean
}

/**
 * A stand-in ffmpeg: a script placed where the daemon looks for ffmpeg
 * (ARTDAG_FFMPEG) that execs the real one, records each transcode chunk it
 * encodes with the chunk's step id (its workspace is named after it) and the
 * encoder asked for, and does what `options` say. Everything else runs as is.
 */
export async function standInFfmpeg (dir: string, options: StandInOptions = {}): Promise<{ path: string, chunkRuns: () => Promise<string[]>, runs: () => Promise<Array<{ step: string, encoder: string }>> }> {
  const path = join(dir, 'ffmpeg-stand-in')
  const log = join(dir, 'chunk-runs.log')
  await writeFile(log, '')
  const script = [
    '#!/bin/sh',
    `real='${FFMPEG}'`,
    ...(options.nvenc === true
      ? [
        'case " $* " in *" -encoders "*)',
        '  "$real" "$@"; code=$?',
        "  echo ' V....D h264_nvenc           NVIDIA NVENC H.264 encoder (artdag test stand-in)'",
        '  exit $code ;;',
        'esac'
      ]
      : []),
    'case "$*" in *-enc_time_base*) echo "$$ $PWD/ $*" >> \'' + log + "' ;; esac",
    'skip=',
    'for arg do',
    '  shift',
    '  if [ -n "$skip" ]; then skip=; continue; fi',
    '  case "$arg" in',
    ...(options.nvenc === true ? ['    h264_nvenc) set -- "$@" libx264 ;;', '    -cq) set -- "$@" -crf ;;', '    -rc) skip=1 ;;'] : []),
    '    *) set -- "$@" "$arg" ;;',
    '  esac',
    'done',
    ...(options.stallEncodes === true ? ['case "$*" in *-enc_time_base*|*" -vn "*) sleep 120 ;; esac'] : []),
    ...(options.pace === true ? ['case "$*" in *-enc_time_base*) exec "$real" -re "$@" ;; esac'] : []),
    'exec "$real" "$@"',
    ''
  ].join('\n')
  await writeFile(path, script)
  await chmod(path, 0o755)
  const runs = async (): Promise<Array<{ step: string, encoder: string }>> =>
    (await readFile(log, 'utf8')).split('\n').flatMap(line => {
      const step = /\/([^/\s]+-chunk-\d{3})-[^/\s]*\//.exec(line)?.[1]
      const encoder = /-c:v (\S+)/.exec(line)?.[1]
      return step !== undefined && encoder !== undefined ? [{ step, encoder }] : []
    })
  return { path, runs, chunkRuns: async () => (await runs()).map(r => r.step) }
}

/** A stand-in ffmpeg that encodes chunks at the source's pace and records them (standInFfmpeg). */
export async function pacedFfmpeg (dir: string): ReturnType<typeof standInFfmpeg> {
  return await standInFfmpeg(dir, { pace: true })
}

export interface MediaFacts {
  durationS: number
  streams: Array<{ codec_type: string, codec_name: string, width?: number, height?: number, r_frame_rate?: string, sample_rate?: string, channels?: number }>
}

/** ffprobe's own view of a file, independent of artdag's probe code. */
export function ffprobe (file: string): Promise<MediaFacts> {
  return new Promise((resolve, reject) => {
    execFile(FFPROBE, ['-v', 'error', '-show_format', '-show_streams', '-of', 'json', file], (err, stdout) => {
      if (err != null) {
        reject(err)
        return
      }
      const parsed = JSON.parse(stdout) as { format: { duration: string }, streams: MediaFacts['streams'] }
      resolve({ durationS: Number(parsed.format.duration), streams: parsed.streams })
    })
  })
}

/** Makes a small real media file with ffmpeg directly (a few seconds of testsrc2 with a tone). */
export function makeClip (file: string, options: { seconds?: number, width?: number, height?: number, fps?: number } = {}): Promise<void> {
  const { seconds = 4, width = 320, height = 180, fps = 25 } = options
  return new Promise((resolve, reject) => {
    execFile(FFMPEG, [
      '-nostdin',
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}`,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      '-shortest',
      file
    ], err => {
      if (err != null) reject(err)
      else resolve()
    })
  })
}

/**
 * A source for transcode tests: `seconds` of 320×240 testsrc2 at 25 fps, a
 * keyframe every second, B-frames, and a tone (x264 and aac in Matroska).
 */
export function makeFilm (file: string, seconds: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=s=320x240:r=25:d=${seconds}`, '-f', 'lavfi', '-i', `sine=d=${seconds}`, '-c:v', 'libx264', '-preset', 'veryfast', '-g', '25', '-bf', '2', '-c:a', 'aac', file], err => {
      if (err != null) reject(err)
      else resolve()
    })
  })
}

/** The video frames of a file, as ffprobe counts its packets. */
export function videoFrames (file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(FFPROBE, ['-v', 'error', '-count_packets', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file], (err, stdout) => {
      if (err != null) reject(err)
      else resolve(Number(stdout.trim()))
    })
  })
}

export interface CollectedOutput {
  stdout: () => string
  stderr: () => string
  /** Resolves with the text that matched once stdout or stderr matches `pattern`; rejects after `timeoutMs` (a bound) or when the process exits first. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<string>
  /** The exit code (128 + the signal's number when killed by one). */
  exit: Promise<number>
}

const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }

/** Gathers a child's stdout and stderr as they come, so a test can wait on what it prints. */
export function collectOutput (child: ChildProcess): CollectedOutput {
  let out = ''
  let err = ''
  const waiters = new Set<() => void>()
  const changed = (): void => {
    for (const waiter of Array.from(waiters)) waiter()
  }
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk
    changed()
  })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk
    changed()
  })
  let exited = false
  const exit = new Promise<number>(resolve => {
    child.once('close', (code, signal) => {
      exited = true
      resolve(code ?? 128 + (SIGNAL_NUMBERS[signal ?? ''] ?? 0))
      changed()
    })
  })
  return {
    stdout: () => out,
    stderr: () => err,
    exit,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(out) ?? pattern.exec(err)
          if (match != null) {
            done()
            resolve(match[0])
          } else if (exited) {
            done()
            reject(new Error(`exited before printing ${String(pattern)}:\n${out}\n${err}`))
          }
        }
        const timer = setTimeout(() => {
          done()
          reject(new Error(`nothing matched ${String(pattern)} within ${timeoutMs} ms:\n${out}\n${err}`))
        }, timeoutMs)
        const done = (): void => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        waiters.add(check)
        check()
      })
  }
}

/** The record-modules preload, for NODE_OPTIONS: `--import <it>`. */
export const RECORD_MODULES = fileURLToPath(new URL('./record-modules.ts', import.meta.url))

/**
 * What an artdag command must not load when it does no networking (issue 11): libp2p and its
 * transports, Helia's networking, the DHT, gossipsub, bitswap, the metrics library, and Node's
 * HTTP client (undici, which an ES import of node:http pulls in).
 */
export const NETWORK_MODULES = [
  /\/node_modules\/libp2p\//,
  /\/node_modules\/@helia\/(libp2p|bitswap|http|ipns)\//,
  /\/node_modules\/@libp2p\/(kad-dht|gossipsub|tcp|noise|yamux|pnet|identify|ping)\//,
  /\/node_modules\/prom-client\//,
  /\/node_modules\/undici\//,
  /internal\/deps\/undici/
]

/** The modules of `recorded` (a record-modules file's content) that NETWORK_MODULES names. */
export function networkModules (recorded: string): string[] {
  return recorded.split('\n').filter(line => NETWORK_MODULES.some(pattern => pattern.test(line)))
}
