import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { delimiter, isAbsolute, join, resolve } from 'node:path'
import { BinaryPathInvalidError, FfmpegNotFoundError } from './errors.ts'

export type BinaryName = 'ffmpeg' | 'ffprobe'

export type BinarySource =
  | 'option' // the `exec.ffmpeg` / `exec.ffprobe` config value
  | 'env' // ARTDAG_FFMPEG / ARTDAG_FFPROBE
  | 'ffmpeg-static'
  | '@ffmpeg-installer/ffmpeg'
  | '@ffprobe-installer/ffprobe'
  | 'PATH'

export interface ResolvedBinary {
  name: BinaryName
  path: string
  source: BinarySource
}

export interface ResolvedBinaries {
  ffmpeg: ResolvedBinary
  ffprobe: ResolvedBinary
}

export const BINARY_ENV: Readonly<Record<BinaryName, string>> = { ffmpeg: 'ARTDAG_FFMPEG', ffprobe: 'ARTDAG_FFPROBE' }

export interface ResolveBinariesInit {
  /** Explicit paths (from config); a path that is not an executable file is an error, never skipped. */
  ffmpeg?: string | null | undefined
  ffprobe?: string | null | undefined
  /** @default process.env */
  env?: Record<string, string | undefined> | undefined
  /** The directory packages are resolved from. @default this package's own location */
  moduleBase?: string | undefined
}

/** Packages that ship a binary, in the order they are tried. ffmpeg-static ships no ffprobe. */
const PACKAGES: Readonly<Record<BinaryName, ReadonlyArray<{ source: BinarySource, pathOf: (exported: unknown) => unknown }>>> = {
  ffmpeg: [
    { source: 'ffmpeg-static', pathOf: exported => exported },
    { source: '@ffmpeg-installer/ffmpeg', pathOf: exported => (exported as { path?: unknown } | null)?.path }
  ],
  ffprobe: [
    { source: '@ffprobe-installer/ffprobe', pathOf: exported => (exported as { path?: unknown } | null)?.path }
  ]
}

/** Why a path is not a usable binary, or undefined when it is one. */
async function whyNotExecutable (path: string): Promise<string | undefined> {
  try {
    const info = await stat(path)
    if (!info.isFile()) return 'not a file'
    await access(path, constants.X_OK)
    return undefined
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return 'does not exist'
    if (code === 'EACCES') return 'not executable'
    return code ?? String(err)
  }
}

async function explicit (name: BinaryName, path: string, source: 'option' | 'env'): Promise<ResolvedBinary> {
  const where = source === 'option' ? `config exec.${name}` : `$${BINARY_ENV[name]}`
  const absolute = resolve(path)
  const why = await whyNotExecutable(absolute)
  if (why !== undefined) {
    throw new BinaryPathInvalidError(`${name} path ${absolute} (from ${where}) ${why}`, { name, path: absolute, source })
  }
  return { name, path: absolute, source }
}

/**
 * Finds ffmpeg or ffprobe: an explicit option, then the environment variable,
 * then the npm packages that ship binaries, then PATH. Each miss is recorded so
 * that FfmpegNotFoundError can list every place tried.
 */
export async function resolveBinary (name: BinaryName, init: ResolveBinariesInit = {}): Promise<ResolvedBinary> {
  const option = init[name]
  if (option != null && option !== '') return await explicit(name, option, 'option')
  const env = init.env ?? process.env
  const fromEnv = env[BINARY_ENV[name]]
  if (fromEnv != null && fromEnv !== '') return await explicit(name, fromEnv, 'env')

  const tried: string[] = [`config exec.${name}: not set`, `$${BINARY_ENV[name]}: not set`]
  const require = createRequire(init.moduleBase != null ? join(resolve(init.moduleBase), 'noop.js') : import.meta.url)
  for (const pkg of PACKAGES[name]) {
    let path: unknown
    try {
      path = pkg.pathOf(require(pkg.source))
    } catch (err: unknown) {
      // Some of these packages throw a bare string when their binary is missing.
      const message = err instanceof Error ? ((err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' ? 'not installed' : err.message) : String(err)
      tried.push(`${pkg.source}: ${message}`)
      continue
    }
    if (typeof path !== 'string' || path === '') {
      tried.push(`${pkg.source}: no binary for this platform`)
      continue
    }
    const why = await whyNotExecutable(path)
    if (why === undefined) return { name, path, source: pkg.source }
    tried.push(`${pkg.source}: ${path} ${why}`)
  }

  const dirs = (env.PATH ?? '').split(delimiter).filter(dir => dir !== '' && isAbsolute(dir))
  for (const dir of dirs) {
    const path = join(dir, name)
    if (await whyNotExecutable(path) === undefined) return { name, path, source: 'PATH' }
  }
  tried.push(`PATH: no ${name} in ${dirs.length === 0 ? '(empty PATH)' : dirs.join(delimiter)}`)

  throw new FfmpegNotFoundError(`no ${name} found; tried ${tried.join('; ')}. Set exec.${name} or $${BINARY_ENV[name]}`, { name, tried })
}

export async function resolveBinaries (init: ResolveBinariesInit = {}): Promise<ResolvedBinaries> {
  const [ffmpeg, ffprobe] = await Promise.all([resolveBinary('ffmpeg', init), resolveBinary('ffprobe', init)])
  return { ffmpeg, ffprobe }
}
