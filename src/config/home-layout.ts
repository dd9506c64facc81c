import { isAbsolute, join, resolve } from 'node:path'

/*
 * Where a home is and what is in it: pure path logic, kept apart from home.ts
 * (keys, files) so that every CLI command can find the home without loading
 * libp2p's crypto.
 */

/** The files and folders of a home (docs/ARCHITECTURE.md, "Home"). */
export interface HomePaths {
  home: string
  config: string
  identityKey: string
  swarmKey: string
  blocks: string
  datastore: string
  work: string
  socket: string
  lock: string
  /** The dashboard's bearer token (docs/UI.md), mode 0600. */
  uiToken: string
  /** The daemon's log files (JSON lines; `artdag logs` reads them). */
  logs: string
  /** The daemon's current log file. */
  daemonLog: string
}

export const DEFAULT_HOME_DIR = '.artdag'

export function homePaths (home: string): HomePaths {
  return {
    home,
    config: join(home, 'config.yaml'),
    identityKey: join(home, 'identity.key'),
    swarmKey: join(home, 'swarm.key'),
    blocks: join(home, 'blocks'),
    datastore: join(home, 'datastore'),
    work: join(home, 'work'),
    socket: join(home, 'artdag.sock'),
    lock: join(home, 'repo.lock'),
    uiToken: join(home, 'ui.token'),
    logs: join(home, 'logs'),
    daemonLog: join(home, 'logs', 'daemon.log')
  }
}

export interface ResolveHomeInput {
  /** `--home`, when given. */
  flag?: string | undefined
  env: Record<string, string | undefined>
  homedir: string
  cwd: string
}

/** `--home`, else `$ARTDAG_HOME`, else `~/.artdag`; relative paths are taken from `cwd`. Pure. */
export function resolveHome (input: ResolveHomeInput): string {
  const chosen = nonEmpty(input.flag) ?? nonEmpty(input.env.ARTDAG_HOME) ?? join(input.homedir, DEFAULT_HOME_DIR)
  return isAbsolute(chosen) ? chosen : resolve(input.cwd, chosen)
}

function nonEmpty (value: string | undefined): string | undefined {
  return value != null && value.trim() !== '' ? value : undefined
}
