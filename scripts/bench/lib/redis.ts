import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { createInterface } from 'node:readline'

/**
 * A throwaway redis-server for the BullMQ baselines: a free loopback port,
 * no persistence (no RDB snapshots, no AOF), stopped by `stop()`.
 */

export interface RedisServer {
  port: number
  pid: number
  stop: () => Promise<void>
}

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server'

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        resolve(typeof address === 'object' && address != null ? address.port : 0)
      })
    })
  })
}

export async function startRedis (options: { timeoutMs?: number } = {}): Promise<RedisServer> {
  const port = await freePort()
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'notice'], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => {
      resolve()
    })
  )
  const output: string[] = []
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`redis-server not ready after ${options.timeoutMs ?? 10_000} ms:\n${output.join('\n')}`))
    }, options.timeoutMs ?? 10_000)
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      reject(new Error(err.code === 'ENOENT' ? `${REDIS_SERVER} not found: the BullMQ baseline needs redis-server (apt-get install redis-server, or set REDIS_SERVER)` : `cannot start ${REDIS_SERVER}: ${err.message}`, { cause: err }))
    })
    createInterface({ input: child.stdout! }).on('line', line => {
      output.push(line)
      if (/Ready to accept connections/.test(line)) {
        clearTimeout(timer)
        resolve()
      }
    })
    createInterface({ input: child.stderr! }).on('line', line => {
      output.push(line)
    })
    void exited.then(() => {
      clearTimeout(timer)
      reject(new Error(`redis-server exited before it was ready:\n${output.join('\n')}`))
    })
  })
  return {
    port,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode == null && child.signalCode == null) child.kill('SIGTERM')
      await exited
    }
  }
}
