import { spawn, spawnSync } from 'node:child_process'
import http from 'node:http'
import type { IncomingHttpHeaders } from 'node:http'

/** Raw HTTP over the socket, for requests the typed client would never send. */
export interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  text: string
  // oxlint-disable-next-line typescript/no-explicit-any -- JSON of any shape, which the assertions check
  json: () => any
}

export function rawRequest (socketPath: string, method: string, path: string, options: { headers?: Record<string, string>, body?: string | Buffer } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path, headers: options.headers, agent: false }, res => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) })
      })
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

const NODE = process.execPath

/** Leaves a stale socket at `path`: bound by a process that is then killed, so nothing listens. */
export function makeStaleSocket (path: string): void {
  const script = `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`
  const result = spawnSync(NODE, ['-e', script], { timeout: 10_000 })
  if (result.signal !== 'SIGKILL') throw new Error(`could not make a stale socket: ${result.stderr.toString()}`)
}

/** Tries to connect to `path` as another user (uid/gid 65534, `nobody`); resolves `connected` or the error code. */
export function connectAsNobody (path: string): Promise<string> {
  const script = `require('net').connect(${JSON.stringify(path)})
    .on('connect', () => { console.log('connected'); process.exit(0) })
    .on('error', err => { console.log(err.code); process.exit(0) })`
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, ['-e', script], { uid: 65534, gid: 65534, timeout: 10_000 })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', () => {
      resolve(out.trim())
    })
  })
}
