import { CapabilitiesCache, resolveBinaries } from '../exec/light/index.ts'
import type { Config } from '../config/index.ts'

/** The version of the ffmpeg this machine would run (`artdag version --all`); null when there is none. */
export async function ffmpegVersion (config: Config, env: Record<string, string | undefined>, options: { signal?: AbortSignal | undefined } = {}): Promise<string | null> {
  try {
    const binaries = await resolveBinaries({ ffmpeg: config.exec.ffmpeg, ffprobe: config.exec.ffprobe, env })
    return (await new CapabilitiesCache().get(binaries.ffmpeg.path, { signal: options.signal, timeoutMs: 15_000 })).version
  } catch {
    return null
  }
}
