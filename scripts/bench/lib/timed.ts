import { spawn } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'

/** One command run as a user runs it, with its wall time and the CPU it and its children used. */

export interface TimedRun {
  code: number
  stdout: string
  stderr: string
  /** From spawn to exit, ms. */
  wallMs: number
  /** User + system CPU of the command and everything it waited for (ffmpeg probes…), ms, 10 ms ticks. */
  cpuMs: number
  /** Date.now() when it was started. */
  startedAt: number
}

/** `0m0.150000s` (dash) or `0m0.150s` (bash) → ms. */
function parseTimes (text: string): number {
  return [...text.matchAll(/(\d+)m([\d.]+)s/g)].reduce((sum, m) => sum + Number(m[1]) * 60_000 + Number(m[2]) * 1000, 0)
}

/**
 * Runs `file ...args` under /bin/sh, whose `times` builtin then reports the
 * children's user and system time (Node has no getrusage of children); the
 * command's own output goes to files beside `scratch`, read back after.
 */
export async function timed (file: string, args: string[], options: { env: Record<string, string | undefined>, cwd?: string, scratch: string, timeoutMs?: number }): Promise<TimedRun> {
  const out = `${options.scratch}.out`
  const err = `${options.scratch}.err`
  const startedAt = Date.now()
  const started = performance.now()
  const times = await new Promise<{ code: number, text: string }>((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', '"$@" > "$0.out" 2> "$0.err"; code=$?; times; exit $code', options.scratch, file, ...args], { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'inherit'] })
    let text = ''
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8')
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000)
    child.once('error', reject)
    child.once('exit', code => {
      clearTimeout(timer)
      resolve({ code: code ?? -1, text })
    })
  })
  const wallMs = performance.now() - started
  const [stdout, stderr] = await Promise.all([readFile(out, 'utf8'), readFile(err, 'utf8')])
  await Promise.all([rm(out, { force: true }), rm(err, { force: true })])
  // `times` prints the shell's own times, then its children's: the second line is the command's.
  const children = times.text.trim().split('\n').at(-1) ?? ''
  return { code: times.code, stdout, stderr, wallMs, cpuMs: parseTimes(children), startedAt }
}
