// The spawner helper (plain JavaScript, so Node loads no TypeScript stripper for it: ~20 MB less): a small process that starts the daemon's ffmpeg and ffprobe runs for it
// (src/exec/spawner/spawner.ts). Forking a process copies its page tables and waits for the
// child's exec: from a 250 MB daemon that blocked its event loop 9–14 ms per step, from this
// process it costs a fraction and blocks only this one. Only node:child_process is imported,
// so it stays small. It relays each child's output and exit over IPC, and kills every child
// when the daemon goes away.
import { spawn } from 'node:child_process'

/** @type {Map<number, import('node:child_process').ChildProcess>} */
const children = new Map()

/** @param {import('./messages.ts').HelperEvent} event */
function send (event) {
  if (process.connected) process.send(event)
}

/**
 * @param {number} id
 * @param {string} file
 * @param {string[]} args
 * @param {string | undefined} cwd
 */
function start (id, file, args, cwd) {
  const child = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  children.set(id, child)
  child.on('spawn', () => {
    send({ id, ev: 'spawn', pid: child.pid })
  })
  child.on('error', (err) => {
    send({ id, ev: 'error', code: err.code ?? null, message: err.message })
  })
  child.stdout.on('data', (data) => {
    send({ id, ev: 'stdout', data })
  })
  child.stderr.on('data', (data) => {
    send({ id, ev: 'stderr', data })
  })
  child.on('close', (code, signal) => {
    children.delete(id)
    send({ id, ev: 'close', code, signal })
  })
}

process.on('message', (/** @type {import('./messages.ts').HelperRequest} */ msg) => {
  if (msg.op === 'spawn') start(msg.id, msg.file, msg.args, msg.cwd)
  else if (msg.op === 'kill') children.get(msg.id)?.kill(msg.signal)
})

// The daemon stopped, crashed or was killed: nothing it started may outlive it.
process.on('disconnect', () => {
  for (const child of children.values()) child.kill('SIGKILL')
  process.exitCode = 0
})
