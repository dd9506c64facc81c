import type { BinaryName } from './binaries.ts'
import { FfmpegFailedError } from './errors.ts'
import { runProcess } from './process.ts'
import type { SpawnListener } from './spawns.ts'

/** How long `ffmpeg -version` and friends may take. */
export const DEFAULT_CAPABILITIES_TIMEOUT_MS = 15_000

export interface FfmpegCapabilities {
  path: string
  /** e.g. `N-47683-g0e8eb07980-static` or `5.1.6-0+deb12u1`. */
  version: string
  encoders: string[]
  filters: string[]
}

export interface CapabilitiesOptions {
  /** @default DEFAULT_CAPABILITIES_TIMEOUT_MS */
  timeoutMs?: number | undefined
  signal?: AbortSignal | undefined
  /** Told about every process started. */
  onSpawn?: SpawnListener | undefined
}

/** The encoders recipes can ask for, by the name recipes use. */
export const RECIPE_ENCODERS = {
  h264: 'libx264',
  hevc: 'libx265',
  vp9: 'libvpx-vp9',
  av1: 'libaom-av1',
  aac: 'aac',
  opus: 'libopus'
} as const

export type RecipeCodec = keyof typeof RECIPE_ENCODERS

/** `ffmpeg version N-47683-g0e8eb07980-static https://…` → `N-47683-g0e8eb07980-static`. */
export function parseVersion (text: string): string {
  const match = /^\S+ version (\S+)/m.exec(text)
  return match?.[1] ?? 'unknown'
}

/** Lines like ` V..... libx264   libx264 H.264 …` after the `------` separator. */
export function parseEncoders (text: string): string[] {
  const body = text.split(/^\s*-+\s*$/m)[1] ?? ''
  const names = new Set<string>()
  for (const line of body.split('\n')) {
    const match = /^\s*[VASD][A-Z.]{5}\s+(\S+)/.exec(line)
    if (match?.[1] != null) names.add(match[1])
  }
  return [...names].sort()
}

/** Lines like ` ... drawtext  V->V  Draw text…` or ` T.C amix  N->A …`. */
export function parseFilters (text: string): string[] {
  const names = new Set<string>()
  for (const line of text.split('\n')) {
    const match = /^\s*[A-Z.|]{2,4}\s+(\w+)\s+\S*->\S*\s/.exec(line)
    if (match?.[1] != null) names.add(match[1])
  }
  return [...names].sort()
}

/** `Supported pixel formats: yuv420p yuvj420p …` from `ffmpeg -h encoder=X`. */
export function parsePixelFormats (text: string): string[] {
  const match = /Supported pixel formats:([^\n]*)/.exec(text)
  return match?.[1]?.trim().split(/\s+/).filter(name => name !== '') ?? []
}

async function capture (binary: BinaryName, path: string, args: string[], options: CapabilitiesOptions): Promise<string> {
  const result = await runProcess(path, ['-hide_banner', ...args], {
    label: binary,
    onSpawn: pid => options.onSpawn?.({ binary, purpose: 'capabilities', path, pid }),
    timeoutMs: options.timeoutMs ?? DEFAULT_CAPABILITIES_TIMEOUT_MS,
    signal: options.signal
  })
  if (result.exitCode !== 0) {
    throw new FfmpegFailedError(`${binary} ${args.join(' ')} (${path}) exited with ${String(result.exitCode ?? result.signal)}`, { exitCode: result.exitCode, errorTail: result.stderrTail })
  }
  return result.stdout
}

/** The version line of any ffmpeg-suite binary (ffmpeg or ffprobe). */
export async function binaryVersion (binary: BinaryName, path: string, options: CapabilitiesOptions = {}): Promise<string> {
  return parseVersion(await capture(binary, path, ['-version'], options))
}

/** Asks the binary itself; uncached. */
export async function probeCapabilities (path: string, options: CapabilitiesOptions = {}): Promise<FfmpegCapabilities> {
  const version = await binaryVersion('ffmpeg', path, options)
  const encoders = parseEncoders(await capture('ffmpeg', path, ['-encoders'], options))
  const filters = parseFilters(await capture('ffmpeg', path, ['-filters'], options))
  return { path, version, encoders, filters }
}

/**
 * Capabilities per binary path, asked once. Only finished answers are kept, so
 * an aborted or failed probe is retried by the next caller.
 */
export class CapabilitiesCache {
  private readonly capabilities = new Map<string, FfmpegCapabilities>()
  private readonly versions = new Map<string, string>()
  private readonly pixelFormats = new Map<string, string[]>()

  /**
   * The binary's version alone: one `-version`, not the three runs of get() (what a
   * provenance record needs when every step was cached and nothing else asked ffmpeg).
   */
  async version (path: string, options: CapabilitiesOptions = {}): Promise<string> {
    const known = this.capabilities.get(path)?.version ?? this.versions.get(path)
    if (known != null) return known
    const found = await binaryVersion('ffmpeg', path, options)
    this.versions.set(path, found)
    return found
  }

  async get (path: string, options: CapabilitiesOptions = {}): Promise<FfmpegCapabilities> {
    const known = this.capabilities.get(path)
    if (known != null) return known
    const found = await probeCapabilities(path, options)
    this.capabilities.set(path, found)
    return found
  }

  /** The pixel formats an encoder of this binary accepts. */
  async encoderPixelFormats (path: string, encoder: string, options: CapabilitiesOptions = {}): Promise<string[]> {
    const key = `${path}\0${encoder}`
    const known = this.pixelFormats.get(key)
    if (known != null) return known
    const found = parsePixelFormats(await capture('ffmpeg', path, ['-h', `encoder=${encoder}`], options))
    this.pixelFormats.set(key, found)
    return found
  }
}

/** Which recipe codecs this binary can encode: what heartbeats advertise. */
export function recipeCodecs (capabilities: FfmpegCapabilities): RecipeCodec[] {
  return (Object.keys(RECIPE_ENCODERS) as RecipeCodec[]).filter(codec => capabilities.encoders.includes(RECIPE_ENCODERS[codec]))
}
