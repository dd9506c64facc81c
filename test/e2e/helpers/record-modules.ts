/**
 * Preloaded into an artdag command (`NODE_OPTIONS=--import …`) by the tests of
 * what a command loads: at exit, writes every module the process loaded (its
 * URL, one a line) and Node's built-ins (process.moduleLoadList) to the file
 * named by $RECORD_MODULES_TO (not ARTDAG_…: those are config keys).
 */
import { writeFileSync } from 'node:fs'
import module from 'node:module'

const loaded: string[] = []
module.registerHooks({
  load (url, context, nextLoad) {
    loaded.push(url)
    return nextLoad(url, context)
  }
})
process.on('exit', () => {
  const file = process.env.RECORD_MODULES_TO
  // moduleLoadList: Node's own list of the built-ins it loaded (not in @types/node).
  const builtins = (process as { moduleLoadList?: string[] }).moduleLoadList ?? []
  if (file != null && file !== '') writeFileSync(file, [...loaded, ...builtins].join('\n'))
})
