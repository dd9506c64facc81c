import { readFile } from 'node:fs/promises'

/** A process's memory, from /proc (Linux). */

/** Its resident memory (VmRSS), in bytes. */
export async function rss (pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN) * 1024
}

/**
 * Its resident memory by kind of mapping, in bytes: files (the Node binary, libraries), malloc's
 * main arena (`brk`), other anonymous maps (V8's heap pages, malloc's thread arenas).
 */
export async function rssParts (pid: number): Promise<{ file: number, brk: number, anon: number }> {
  const parts = { file: 0, brk: 0, anon: 0 }
  let part: keyof typeof parts = 'anon'
  for (const line of (await readFile(`/proc/${pid}/smaps`, 'utf8')).split('\n')) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (mapping !== null) part = mapping[1] === '[heap]' ? 'brk' : mapping[1]!.startsWith('/') ? 'file' : 'anon'
    const kib = /^Rss:\s+(\d+) kB$/.exec(line)
    if (kib !== null) parts[part] += Number(kib[1]) * 1024
  }
  return parts
}

/** `file 56, brk 19, anon 72` (MiB): for a message. */
export function describeParts (parts: { file: number, brk: number, anon: number }): string {
  return Object.entries(parts).map(([k, v]) => `${k} ${(v / 1024 / 1024).toFixed(0)}`).join(', ')
}
