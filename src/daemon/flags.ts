import type { DaemonFlags } from '../cli/commands/daemon.ts'
import type { ConfigOverrides } from '../config/load.ts'

/** `artdag daemon` flags as the last config layer. */
export function overridesFromFlags (flags: DaemonFlags): ConfigOverrides {
  const overrides: ConfigOverrides = {}
  if (flags.listen != null || flags.bootstrap != null) {
    overrides.node = {
      ...(flags.listen != null ? { listen: flags.listen } : {}),
      ...(flags.bootstrap != null ? { bootstrap: flags.bootstrap } : {})
    }
  }
  if (flags.logLevel != null) overrides.log = { level: flags.logLevel }
  return overrides
}
