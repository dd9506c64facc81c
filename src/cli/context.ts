import { isAbsolute, resolve } from 'node:path'
import type { ApiClient } from '../api/client.ts'
import type { CliIo } from './command.ts'

/**
 * Where the CLI finds its home and its daemon. Imported modules are loaded
 * on first use, so `--help` and commands that need no daemon stay quick.
 */

/** `--home`, else `$ARTDAG_HOME`, else `~/.artdag` (src/node/home-layout.ts decides). */
export async function resolveCliHome (flag: string | undefined, io: CliIo): Promise<string> {
  const { resolveHome } = await import('../node/home-layout.ts')
  return resolveHome({ ...(flag !== undefined ? { flag } : {}), env: io.env, homedir: io.homedir, cwd: io.cwd })
}

/** The daemon's socket: `api.socket` from the home's config (and env), else `<home>/artdag.sock`. */
export async function socketPathFor (home: string, io: CliIo): Promise<string> {
  const [{ loadConfig }, { socketPathForHome }] = await Promise.all([import('../config/load.ts'), import('../api/paths.ts')])
  const { config } = await loadConfig({ home, env: io.env })
  const configured = config.api.socket
  if (configured == null) return socketPathForHome(home)
  return isAbsolute(configured) ? configured : resolve(home, configured)
}

export async function clientFor (home: string, io: CliIo): Promise<ApiClient> {
  const [socketPath, { createApiClient }] = await Promise.all([socketPathFor(home, io), import('../api/client.ts')])
  return createApiClient({ home, socketPath })
}
