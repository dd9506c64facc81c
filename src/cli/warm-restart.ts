import module from 'node:module'

/**
 * Node strips TypeScript's types with amaro (swc built to WebAssembly), loaded
 * the first time a `.ts` file is compiled and kept for the process's life:
 * 18 MB of resident memory (docs/BENCHMARKS.md, Idle). Only files missing from
 * Node's compile cache (bin/artdag.js enables it; entries are keyed by content)
 * need it: after an install, an upgrade or an edit. A daemon runs for weeks, so
 * one that needed amaro writes its modules to the cache and replaces itself
 * with a fresh copy (execve: the same pid, before it binds or locks anything),
 * which reads them all from the cache. Once: the copy carries this variable.
 */
export const WARM_RESTART_ENV = 'ARTDAG_WARM_RESTART'

const AMARO = 'NativeModule internal/deps/amaro/dist/index'

/** Whether this process stripped types (process.moduleLoadList: Node's record of its own modules, not in @types/node). */
export function strippedTypes (): boolean {
  return ((process as { moduleLoadList?: string[] }).moduleLoadList ?? []).includes(AMARO)
}

/**
 * Restarts the process in place if it stripped types and the compile cache can
 * spare the next image that work (it does not return then); returns false
 * otherwise. Call it once every module the process will need is loaded, and
 * nothing is bound or locked yet.
 */
export function restartWarm (env: NodeJS.ProcessEnv = process.env): false {
  if (typeof process.execve !== 'function' || env[WARM_RESTART_ENV] === '1') return false
  if (module.getCompileCacheDir() === undefined || !strippedTypes()) return false
  module.flushCompileCache()
  return process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], { ...env, [WARM_RESTART_ENV]: '1' })
}
