import { isAbsolute, resolve } from 'node:path'
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

/** The daemon's socket: `api.socket` from the home's config (and env), else `<home>/artdag.sock`. */
export async function socketPathFor (home: string, env: Record<string, string | undefined>): Promise<string> {
  const { config } = await loadConfig({ home, env })
  const configured = config.api.socket
  if (configured == null) return socketPathForHome(home)
  return isAbsolute(configured) ? configured : resolve(home, configured)
}
