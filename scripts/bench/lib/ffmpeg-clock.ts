import { chmod, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FFMPEG } from '../../../test/e2e/helpers/cli.ts'

/**
 * A real ffmpeg that notes when each run starts: a bash script that appends
 * `$EPOCHREALTIME` (bash's clock builtin, µs; no `date` process), its pid, its
 * parent's pid (the worker, or the daemon's spawner helper), its grandparent's
 * (the daemon, through the helper; read from /proc with a builtin), its working
 * directory (the step's workspace) and its arguments to a log, then execs the
 * real binary.
 * The note is written a few ms after the spawn (bash's own start), the same
 * for every system that runs it; then ffmpeg itself starts.
 */

export interface FfmpegRun {
  /** Wall clock (ms, fractional) when the wrapper ran, comparable with Date.now(). */
  at: number
  pid: number
  ppid: number
  /** The parent's parent: the daemon when its spawner helper started the run. */
  gppid: number
  cwd: string
  args: string
}

export interface FfmpegClock {
  path: string
  /** Every ffmpeg run that rendered something (not the -version/-encoders capability checks); `all`: those too. */
  runs: (options?: { all?: boolean }) => Promise<FfmpegRun[]>
}

const CHECKS = / -(version|encoders|filters|h|pix_fmts|buildconf)\b/

export async function timestampedFfmpeg (dir: string): Promise<FfmpegClock> {
  const path = join(dir, 'ffmpeg-clocked')
  const log = join(dir, 'ffmpeg-starts.log')
  await writeFile(log, '')
  // One write(2) of a short line with O_APPEND: concurrent runs do not interleave.
  await writeFile(path, `#!/bin/bash\nat=$EPOCHREALTIME\nread -r _ _ _ gppid _ < /proc/$PPID/stat\nprintf '%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "$at" "$$" "$PPID" "$gppid" "$PWD" "$*" >> '${log}'\nexec '${FFMPEG}' "$@"\n`)
  await chmod(path, 0o755)
  return {
    path,
    runs: async (options = {}) =>
      (await readFile(log, 'utf8')).split('\n').filter(line => line !== '').map(line => {
        const [at, pid, ppid, gppid, cwd, args] = line.split('\t')
        return { at: Number(at) * 1000, pid: Number(pid), ppid: Number(ppid), gppid: Number(gppid), cwd: cwd ?? '', args: args ?? '' }
      }).filter(run => options.all === true || !CHECKS.test(` ${run.args}`))
  }
}

/** Whether `pid` started the run, itself or through its spawner helper. */
export function startedBy (run: FfmpegRun, pid: number | undefined): boolean {
  return pid != null && (run.ppid === pid || run.gppid === pid)
}
