#!/bin/sh
':' // ; r=$(readlink -f -- "$0" 2>/dev/null) || r=$0; n=${r%/*}/../node_modules/node/bin/node; [ -x "$n" ] || n=node; exec "$n" "$r" "$@"
// Entry point, a shell script and an ES module at once. Run as a program, /bin/sh
// reads only the line above: it starts the Node 24 that the project installs as a
// devDependency (else the `node` on PATH) on this same file, in place of itself,
// so a machine whose own Node is older than 22.19 (libp2p 3 and Helia 7 need it)
// starts one Node, not two. For Node, that line is a string and a comment.
// Started as `node bin/artdag.js` by an older node, this file re-runs itself under
// the project's Node 24 (below), so `node bin/artdag.js` works on any machine too.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import module from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const DAEMON_V8_FLAGS = ['--max-semi-space-size=4']
const [major, minor] = process.versions.node.split('.').map(Number)
const supported = major > 22 || (major === 22 && minor >= 19)

if (!supported) {
  const pinned = join(root, 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(pinned)) {
    console.error(`artdag: Node ${process.versions.node} is too old (need >= 22.19); run \`npm install\` in ${root} or install Node 24`)
    process.exit(1)
  }
  // The child gets its own process group, so a terminal's Ctrl-C reaches only this
  // process, which passes each signal on exactly once: the daemon's "first signal
  // stops cleanly, second forces" then works the same through this wrapper.
  const child = spawn(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', detached: true })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      child.kill(signal)
    })
  }
  child.on('exit', (code, signal) => {
    if (signal != null) {
      process.removeAllListeners(signal)
      process.kill(process.pid, signal)
    } else {
      process.exit(code ?? 1)
    }
  })
} else if (needsDaemonFlags()) {
  // Replace this process (same pid, no wrapper left) with one that has the daemon's V8 flags
  // and malloc settings.
  process.execve(process.execPath, [process.execPath, ...process.execArgv, ...DAEMON_V8_FLAGS, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { ...process.env, ...daemonMallocEnv() })
} else {
  // Read by glibc when the daemon started: its children (the spawner, ffmpeg) keep the defaults.
  if (process.env.ARTDAG_DAEMON_MALLOC === '1') {
    delete process.env.MALLOC_MMAP_THRESHOLD_
    delete process.env.ARTDAG_DAEMON_MALLOC
  }
  // The sources run directly under Node's type stripping: there is no build step.
  // Node's compile cache (in the OS temp dir, keyed by file content and Node version)
  // keeps the stripped and compiled modules: a CLI command starts in half the time.
  // NODE_DISABLE_COMPILE_CACHE=1 turns it off.
  module.enableCompileCache?.()
  narrowImports()
  await import(join(root, 'src', 'cli', 'main.ts'))
}

/**
 * V8 sizes its young generation from the machine's memory: on a 24 GB host it
 * reserves ~130 MB more than a long-running daemon needs, and the size can only
 * be set when the process starts. 4 MB semi-spaces keep an idle daemon near
 * 190 MB RSS instead of ~290 MB (scripts/bench/idle.ts measures it).
 */
function needsDaemonFlags () {
  const args = process.argv.slice(2)
  const end = args.indexOf('--')
  return (end === -1 ? args : args.slice(0, end)).includes('daemon') &&
    typeof process.execve === 'function' &&
    process.env.ARTDAG_NO_V8_FLAGS !== '1' &&
    !process.execArgv.some(flag => flag.startsWith('--max-semi-space-size'))
}

/**
 * glibc's malloc serves a block from its arenas below a threshold that it raises, up to 32 MiB,
 * each time a larger block is freed; a freed block in the middle of an arena stays resident. After
 * a daemon freed a few 1 MiB buffers, its 64 KiB socket and file buffers came from the arenas: a
 * flood of jobs left 100–150 MiB resident that nothing used any more. A fixed 64 KiB threshold
 * maps such buffers on their own and gives them back when freed (docs/BENCHMARKS.md, "Memory
 * after a flood"). Other C libraries ignore the variable; one set by the user is kept.
 */
function daemonMallocEnv () {
  return process.env.MALLOC_MMAP_THRESHOLD_ === undefined ? { MALLOC_MMAP_THRESHOLD_: '65536', ARTDAG_DAEMON_MALLOC: '1' } : {}
}

/**
 * Two packages' entries load far more than what is used of them, at every start:
 * - zod's imports all its 60 locales (to offer `z.locales`, from its classic, mini and core
 *   entries); artdag's messages are English. Resolving that one import to English alone saves
 *   60 modules (10–20 ms of a CLI command's ~100).
 * - datastore-level imports `BaseDatastore` from datastore-core's entry, which loads every
 *   datastore of the package, and with its tiered one @libp2p/logger and its debug library
 *   (~20 modules, ~10 ms of `artdag render`'s start). Resolved to the module that defines it
 *   (`datastore-core/base`, from datastore-level's own place). The imports are checked by
 *   test/unit/cli/narrow-imports.test.ts: a datastore-level that imports more fails it.
 * Without module.registerHooks (older Node), nothing changes.
 */
function narrowImports () {
  const english = `data:text/javascript,export { default as en } from ${JSON.stringify(new URL('../node_modules/zod/v4/locales/en.js', import.meta.url).href)}`
  module.registerHooks?.({
    resolve (specifier, context, nextResolve) {
      if (specifier === '../locales/index.js' && /\/node_modules\/zod\/v4\/(classic\/external|mini\/external|core\/index)\.js$/.test(context.parentURL ?? '')) {
        return { url: english, shortCircuit: true }
      }
      if (specifier === 'datastore-core' && (context.parentURL ?? '').endsWith('/node_modules/datastore-level/dist/src/index.js')) {
        return nextResolve('datastore-core/base', context)
      }
      return nextResolve(specifier, context)
    }
  })
}
