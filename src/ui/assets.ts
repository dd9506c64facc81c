import { readdir, readFile } from 'node:fs/promises'
import { extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { errorCode } from '../errors.ts'

/**
 * The page's built files (`npm run build:ui` writes them to dist/ui/), read
 * into memory when the dashboard starts: a few hundred KB, served from a map,
 * so no request ever touches the file system. Hashed assets are cached for
 * good; index.html never is.
 */

export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url))

export interface Asset {
  type: string
  body: Buffer
  cacheControl: string
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2'
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>artdag</title>
<p>The dashboard is not built. In the artdag checkout run <code>npm run build:ui</code>, then restart the daemon.</p>`

async function walk (dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  const files = await Promise.all(entries.map(async entry => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? await walk(path) : entry.isFile() ? [path] : []
  }))
  return files.flat()
}

/** URL path (`/`, `/assets/index-3f2a.js`) → file; a missing build serves a page that says how to build it. */
export async function loadAssets (dir: string): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>()
  let files: string[] = []
  try {
    files = await walk(dir)
  } catch (err: unknown) {
    if (errorCode(err) !== 'ENOENT') throw err
  }
  for (const file of files) {
    const path = `/${relative(dir, file).split(sep).join('/')}`
    const hashed = path.startsWith('/assets/')
    assets.set(path, {
      type: TYPES[extname(file)] ?? 'application/octet-stream',
      body: await readFile(file),
      cacheControl: hashed ? 'public, max-age=31536000, immutable' : 'no-cache'
    })
  }
  const index = assets.get('/index.html') ?? { type: TYPES['.html'] as string, body: Buffer.from(NOT_BUILT), cacheControl: 'no-cache' }
  assets.set('/', index)
  return assets
}
