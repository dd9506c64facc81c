import { readdir, readFile, readlink } from 'node:fs/promises'
import { createServer } from 'node:net'

/** Loopback addresses for a cluster, and what /proc says about a process's TCP connections (Linux). */

/**
 * A /24 of loopback addresses of its own (Linux routes all of 127/8 to lo),
 * picked at random so clusters of tests running at the same time do not meet:
 * `at(n)` is its address n (1–254).
 */
export function loopbackNet (): { at: (n: number) => string } {
  const b = 100 + Math.floor(Math.random() * 100)
  const c = 1 + Math.floor(Math.random() * 254)
  return {
    at: (n: number) => {
      if (!Number.isInteger(n) || n < 1 || n > 254) throw new RangeError(`no loopback address ${n} in a /24`)
      return `127.${b}.${c}.${n}`
    }
  }
}

/** A TCP port free on `host` now (the kernel's pick, released again). */
export async function freePort (host: string): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => {
      resolve()
    })
  })
  const { port } = server.address() as { port: number }
  await new Promise<void>(resolve => {
    server.close(() => {
      resolve()
    })
  })
  return port
}

export interface TcpConnection {
  pid: number
  local: string
  remote: string
}

/** The established IPv4 and IPv6 TCP connections the processes hold (from /proc/<pid>/fd and /proc/net/tcp*). */
export async function establishedConnections (pids: number[]): Promise<TcpConnection[]> {
  const owner = new Map<string, number>()
  for (const pid of pids) {
    let fds: string[]
    try {
      fds = await readdir(`/proc/${pid}/fd`)
    } catch {
      continue // the process is gone
    }
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1]
      if (inode != null) owner.set(inode, pid)
    }
  }
  const out: TcpConnection[] = []
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1)
    for (const line of lines) {
      const fields = line.trim().split(/\s+/)
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
      if (fields.length < 10 || fields[3] !== '01') continue
      const pid = owner.get(fields[9]!)
      if (pid !== undefined) out.push({ pid, local: hexAddress(fields[1]!), remote: hexAddress(fields[2]!) })
    }
  }
  return out
}

/** `0100007F:1F90` → `127.0.0.1:8080`; an IPv4-mapped IPv6 address → its IPv4 form. */
function hexAddress (hex: string): string {
  const [ip, port] = hex.split(':') as [string, string]
  const portNumber = parseInt(port, 16)
  if (ip.length === 8) return `${ipv4FromLittleEndian(ip)}:${portNumber}`
  // IPv6: four 32-bit words, each little-endian.
  if (ip.startsWith('0000000000000000FFFF0000')) return `${ipv4FromLittleEndian(ip.slice(24))}:${portNumber}`
  const words = ip.match(/.{8}/g) ?? []
  const groups = words.flatMap(w => {
    const be = w.match(/../g)!.reverse().join('')
    return [be.slice(0, 4), be.slice(4)]
  })
  return `[${groups.join(':').toLowerCase()}]:${portNumber}`
}

function ipv4FromLittleEndian (hex: string): string {
  return (hex.match(/../g) ?? []).reverse().map(h => parseInt(h, 16)).join('.')
}
