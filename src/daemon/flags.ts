import type { Config, ConfigOverrides } from '../config/index.ts'

/** Command-line flags of `artdag daemon`: the last layer of the config. */
export interface DaemonFlags {
  /** `--listen`, repeatable: replaces node.listen. */
  listen?: string[]
  /** `--bootstrap`, repeatable: replaces node.bootstrap. */
  bootstrap?: string[]
  /** `--log-level`: log.level. */
  logLevel?: Config['log']['level']
  /** `--log-format`: log.format. */
  logFormat?: Config['log']['format']
}

/** `artdag daemon` flags as the last config layer. */
export function overridesFromFlags (flags: DaemonFlags): ConfigOverrides {
  const overrides: ConfigOverrides = {}
  if (flags.listen != null || flags.bootstrap != null) {
    overrides.node = {
      ...(flags.listen != null ? { listen: flags.listen } : {}),
      ...(flags.bootstrap != null ? { bootstrap: flags.bootstrap } : {})
    }
  }
  if (flags.logLevel != null || flags.logFormat != null) {
    overrides.log = {
      ...(flags.logLevel != null ? { level: flags.logLevel } : {}),
      ...(flags.logFormat != null ? { format: flags.logFormat } : {})
    }
  }
  return overrides
}
