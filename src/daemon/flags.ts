import type { Config, ConfigOverrides } from '../config/index.ts'
import { present } from '../defined.ts'

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
      ...present({ listen: flags.listen }),
      ...present({ bootstrap: flags.bootstrap })
    }
  }
  if (flags.logLevel != null || flags.logFormat != null) {
    overrides.log = {
      ...present({ level: flags.logLevel }),
      ...present({ format: flags.logFormat })
    }
  }
  return overrides
}
