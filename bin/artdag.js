#!/usr/bin/env node
// Entry point. artdag needs Node >= 22.19 (libp2p 3, Helia 7). When started by an
// older node (a system Node 20, say), re-run under the Node 24 that the project
// installs as a devDependency, so `./bin/artdag.js` works on any machine.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
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
    process.on(signal, () => { child.kill(signal) })
  }
  child.on('exit', (code, signal) => {
    if (signal != null) {
      process.removeAllListeners(signal)
      process.kill(process.pid, signal)
    } else {
      process.exit(code ?? 1)
    }
  })
} else {
  // The sources run directly under Node's type stripping: there is no build step.
  await import(join(root, 'src', 'cli', 'main.ts'))
}
