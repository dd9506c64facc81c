import { defaultLogger } from '@libp2p/logger'
import type { ComponentLogger, Logger } from '@libp2p/interface'

const silent: Logger = Object.assign(() => {}, {
  enabled: false,
  error: () => {},
  trace: () => {},
  newScope: (): Logger => silent
})

const SILENT: ComponentLogger = { forComponent: () => silent }

/**
 * The logger libp2p and Helia write their debug lines to. Theirs (@libp2p/logger
 * over weald, a fork of `debug`) makes two debug instances per logger, each of
 * which asks whether stderr is a terminal (three system calls) and matches its
 * name against $DEBUG, and libp2p makes loggers for every connection and stream:
 * about 25 per tiny step on each node (strace, docs/BENCHMARKS.md), for lines
 * nobody reads unless $DEBUG names them. With $DEBUG unset one silent logger
 * serves every component; set (`DEBUG=libp2p:*`), theirs, as before.
 */
export function debugLogger (env: Record<string, string | undefined> = process.env): ComponentLogger {
  return (env.DEBUG ?? '') !== '' ? defaultLogger() : SILENT
}
