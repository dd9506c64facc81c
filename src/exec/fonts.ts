import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { FontNotFoundError } from './errors.ts'

export interface ResolvedFont {
  path: string
  /** `config` when given explicitly, `open-sans-fonts` for the bundled default. */
  source: 'config' | 'open-sans-fonts'
}

/** The bundled default: Open Sans Regular (Apache-2.0), the same bytes on every node. */
export function bundledFontPath (): string {
  const require = createRequire(import.meta.url)
  return join(dirname(require.resolve('open-sans-fonts/package.json')), 'open-sans', 'Regular', 'OpenSans-Regular.ttf')
}

/** The font for `text` steps: the configured one if given (it must exist), else the bundled one. */
export async function resolveFont (configured?: string | null): Promise<ResolvedFont> {
  const explicit = configured != null && configured !== ''
  let path: string
  try {
    path = explicit ? resolve(configured) : bundledFontPath()
  } catch (err: unknown) {
    throw new FontNotFoundError('the bundled font package open-sans-fonts is not installed; set exec.fontFile', undefined, { cause: err })
  }
  try {
    await access(path, constants.R_OK)
  } catch {
    throw new FontNotFoundError(`font file ${path}${explicit ? ' (from config exec.fontFile)' : ''} is missing or unreadable`, { path })
  }
  return { path, source: explicit ? 'config' : 'open-sans-fonts' }
}
