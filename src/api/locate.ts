import { readFile } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import { loadConfig, resolveHome } from '../config/index.ts'
import type { ResolveHomeInput } from '../config/index.ts'
import { socketPathForHome } from './paths.ts'

/*
 * Where a client finds a daemon: the home, then the socket the home's config
 * names. Light on purpose: every CLI command that talks to a daemon runs it.
 */

/** `--home`, else `$ARTDAG_HOME`, else `~/.artdag`; relative paths are taken from `cwd`. */
export function locateHome (input: ResolveHomeInput): string {
  return resolveHome(input)
}

/**
 * Whether the home's config or the environment may move the socket. When
 * neither mentions it (the common case), the socket is `<home>/artdag.sock`
 * and the YAML loader and the config's schema are not loaded at all.
 */
async function mayMoveSocket (home: string, env: Record<string, string | undefined>): Promise<boolean> {
  if (Object.keys(env).some(name => name.startsWith('ARTDAG_API__'))) return true
  const text = await readFile(join(home, 'config.yaml'), 'utf8').catch(() => '')
  return /socket/.test(text)
}

/** The daemon's socket: `api.socket` from the home's config (and env), else `<home>/artdag.sock`. */
export async function socketPathFor (home: string, env: Record<string, string | undefined>): Promise<string> {
  if (!await mayMoveSocket(home, env)) return socketPathForHome(home)
  const { config } = await loadConfig({ home, env })
  const configured = config.api.socket
  if (configured == null) return socketPathForHome(home)
  return isAbsolute(configured) ? configured : resolve(home, configured)
}
