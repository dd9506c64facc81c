import { resolveBinaries } from './binaries.ts'
import type { BinarySource, ResolveBinariesInit } from './binaries.ts'
import { CapabilitiesCache, RECIPE_ENCODERS, binaryVersion } from './capabilities.ts'
import type { RecipeCodec } from './capabilities.ts'
import { resolveFont } from './fonts.ts'
import type { SpawnListener } from './spawns.ts'

/** Filters the step types use: a binary without one of them cannot run every recipe. */
export const REQUIRED_FILTERS = [
  'adelay',
  'aformat',
  'amix',
  'anoisesrc',
  'anull',
  'anullsrc',
  'apad',
  'aresample',
  'asetpts',
  'atempo',
  'atrim',
  'color',
  'colorchannelmixer',
  'concat',
  'crop',
  'drawtext',
  'eq',
  'format',
  'fps',
  'hflip',
  'hue',
  'mandelbrot',
  'noise',
  'null',
  'overlay',
  'pad',
  'rgbtestsrc',
  'rotate',
  'scale',
  'setpts',
  'setsar',
  'sine',
  'smptebars',
  'smptehdbars',
  'testsrc',
  'testsrc2',
  'tpad',
  'transpose',
  'trim',
  'vflip',
  'volume',
  'yuvtestsrc'
] as const

export interface DoctorBinary {
  path: string
  source: BinarySource
  version: string
}

export interface DoctorReport {
  /** True when every recipe feature works on this node. */
  ok: boolean
  ffmpeg: DoctorBinary
  ffprobe: DoctorBinary
  /** For each codec recipes can ask for: the encoder, or null when this ffmpeg lacks it. */
  encoders: Record<RecipeCodec, string | null>
  missingFilters: string[]
  font: { path: string, source: 'config' | 'open-sans-fonts' } | { error: string }
  /** One sentence per thing that does not work. */
  problems: string[]
}

export interface DoctorOptions extends ResolveBinariesInit {
  fontFile?: string | null
  timeoutMs?: number
  signal?: AbortSignal | undefined
  capabilities?: CapabilitiesCache
  onSpawn?: SpawnListener
}

/**
 * What `artdag doctor` shows: which binaries are used and where they came from,
 * their versions, the encoders recipes can use, the font, and any problem.
 * Throws FfmpegNotFoundError (listing every place tried) when a binary is missing.
 */
export async function doctor (options: DoctorOptions = {}): Promise<DoctorReport> {
  const binaries = await resolveBinaries(options)
  const probeOptions = { timeoutMs: options.timeoutMs, signal: options.signal, onSpawn: options.onSpawn }
  const capabilities = await (options.capabilities ?? new CapabilitiesCache()).get(binaries.ffmpeg.path, probeOptions)
  const ffprobeVersion = await binaryVersion('ffprobe', binaries.ffprobe.path, probeOptions)

  const problems: string[] = []
  const encoders = {} as Record<RecipeCodec, string | null>
  for (const [codec, encoder] of Object.entries(RECIPE_ENCODERS) as Array<[RecipeCodec, string]>) {
    const has = capabilities.encoders.includes(encoder)
    encoders[codec] = has ? encoder : null
    if (!has) problems.push(`ffmpeg has no ${encoder} encoder: recipes cannot encode ${codec}`)
  }
  const missingFilters = REQUIRED_FILTERS.filter(name => !capabilities.filters.includes(name))
  if (missingFilters.length > 0) problems.push(`ffmpeg lacks filters some steps use: ${missingFilters.join(', ')}`)

  let font: DoctorReport['font']
  try {
    font = await resolveFont(options.fontFile)
  } catch (err: unknown) {
    font = { error: (err as Error).message }
    problems.push(`text steps cannot run: ${(err as Error).message}`)
  }

  return {
    ok: problems.length === 0,
    ffmpeg: { path: binaries.ffmpeg.path, source: binaries.ffmpeg.source, version: capabilities.version },
    ffprobe: { path: binaries.ffprobe.path, source: binaries.ffprobe.source, version: ffprobeVersion },
    encoders,
    missingFilters,
    font,
    problems
  }
}
