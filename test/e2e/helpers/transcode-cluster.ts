import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeFilm, standInFfmpeg } from './cli.ts'
import { initHomes, startCluster, waitForCluster } from './daemon.ts'
import type { StandInOptions } from './cli.ts'
import type { Daemon } from './daemon.ts'

export interface TranscodeCluster {
  dir: string
  /** A generated film of the asked length (film.mkv in `dir`). */
  source: string
  daemons: Daemon[]
  /** Each daemon's stand-in ffmpeg, recording the chunks it encodes. */
  ffmpegs: Array<Awaited<ReturnType<typeof standInFfmpeg>>>
  stop: () => Promise<void>
}

/**
 * Real daemons, one per name, each with a stand-in ffmpeg of its own
 * (`ffmpeg(i)`: what it does), and a generated film to transcode: the setup of
 * the transcode end-to-end tests.
 */
export async function startTranscodeCluster (name: string, options: { seconds: number, names: string[], ffmpeg: (i: number) => StandInOptions, env?: (i: number) => Record<string, string> }): Promise<TranscodeCluster> {
  const dir = await mkdtemp(join(tmpdir(), `artdag-e2e-${name}-`))
  const source = join(dir, 'film.mkv')
  await makeFilm(source, options.seconds)
  const homes = await initHomes(dir, options.names)
  const ffmpegs = await Promise.all(homes.map(async (home, i) => await standInFfmpeg(home, options.ffmpeg(i))))
  const daemons = await startCluster(homes, { nodeEnv: i => ({ ARTDAG_FFMPEG: ffmpegs[i]!.path, ...options.env?.(i) }) })
  await waitForCluster(daemons)
  return {
    dir,
    source,
    daemons,
    ffmpegs,
    stop: async () => {
      await Promise.all(daemons.map(async d => {
        await d.stop()
      }))
      await rm(dir, { recursive: true, force: true })
    }
  }
}
