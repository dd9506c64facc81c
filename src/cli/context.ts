import type { ApiClient } from '../api/index.ts'
import type { CliIo } from './command.ts'

/**
 * Where the CLI finds its home and its daemon. Imported modules are loaded
 * on first use, so `--help` and commands that need no daemon stay quick.
 */

/** `--home`, else `$ARTDAG_HOME`, else `~/.artdag` (src/api/locate.ts decides). */
export async function resolveCliHome (flag: string | undefined, io: CliIo): Promise<string> {
  const { locateHome } = await import('../api/light/index.ts')
  return locateHome({ flag, env: io.env, homedir: io.homedir, cwd: io.cwd })
}

/** The daemon's socket: `api.socket` from the home's config (and env), else `<home>/artdag.sock`. */
export async function socketPathFor (home: string, io: CliIo): Promise<string> {
  const api = await import('../api/light/index.ts')
  return await api.socketPathFor(home, io.env)
}

export async function clientFor (home: string, io: CliIo): Promise<ApiClient> {
  const [socketPath, { createApiClient }] = await Promise.all([socketPathFor(home, io), import('../api/index.ts')])
  return createApiClient({ home, socketPath })
}
