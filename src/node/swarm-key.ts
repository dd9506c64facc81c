import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { errorCode, errorMessage } from '../errors.ts'
import { SwarmKeyInvalidError } from './errors.ts'

/**
 * The private network's pre-shared key, in Kubo's swarm.key format:
 *
 *   /key/swarm/psk/1.0.0/
 *   /base16/
 *   <64 hex digits>
 *
 * Every machine of a cluster holds the same file; a node without it cannot
 * connect. Only the base16 encoding is accepted (the one @libp2p/pnet reads).
 */
export const SWARM_KEY_HEADER = '/key/swarm/psk/1.0.0/'
export const SWARM_KEY_ENCODING = '/base16/'
const KEY_BYTES = 32
/** A swarm key file is 95 bytes; anything much larger is not one. */
const MAX_FILE_BYTES = 4096

/**
 * A fresh key, in canonical form (three lines, no trailing newline): what @libp2p/pnet's
 * generateKey writes, without loading pnet (and its stream utilities) for `artdag init`.
 */
export function generateSwarmKey (): Uint8Array {
  return new TextEncoder().encode(`${SWARM_KEY_HEADER}\n${SWARM_KEY_ENCODING}\n${randomBytes(KEY_BYTES).toString('hex')}`)
}

/**
 * Checks a swarm key file's content and returns it in canonical form (what
 * `preSharedKey({ psk })` takes). Tolerates CRLF, surrounding blank space and a
 * trailing newline. `source` (the file name) goes into every error message.
 */
export function parseSwarmKey (content: Uint8Array | string, source: string): Uint8Array {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content
  if (bytes.byteLength > MAX_FILE_BYTES) {
    throw new SwarmKeyInvalidError(`swarm key ${source} is ${bytes.byteLength} bytes; a swarm key file is 95 bytes`, { file: source })
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new SwarmKeyInvalidError(`swarm key ${source} is not text (expected ${SWARM_KEY_HEADER} on the first line)`, { file: source })
  }
  const lines = text.trim().split(/\r?\n/).map(line => line.trim())
  if (lines[0] !== SWARM_KEY_HEADER) {
    throw new SwarmKeyInvalidError(`swarm key ${source}: line 1 must be ${SWARM_KEY_HEADER}, found ${JSON.stringify(clip(lines[0]))}`, { file: source, line: 1 })
  }
  if (lines[1] !== SWARM_KEY_ENCODING) {
    throw new SwarmKeyInvalidError(`swarm key ${source}: line 2 must be ${SWARM_KEY_ENCODING} (the only encoding supported), found ${JSON.stringify(clip(lines[1]))}`, { file: source, line: 2 })
  }
  const hex = lines[2] ?? ''
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new SwarmKeyInvalidError(`swarm key ${source}: line 3 must be 64 hex digits (a 32-byte key), found ${hex.length} characters`, { file: source, line: 3 })
  }
  if (lines.length > 3) {
    throw new SwarmKeyInvalidError(`swarm key ${source}: unexpected content after line 3`, { file: source, line: 4 })
  }
  return new TextEncoder().encode(`${SWARM_KEY_HEADER}\n${SWARM_KEY_ENCODING}\n${hex.toLowerCase()}`)
}

/** Reads and validates a swarm key file. */
export async function readSwarmKey (path: string): Promise<Uint8Array> {
  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err: unknown) {
    throw new SwarmKeyInvalidError(`cannot read swarm key ${path}: ${errorCode(err) ?? errorMessage(err)}`, { file: path }, { cause: err })
  }
  return parseSwarmKey(bytes, path)
}

function clip (line: string | undefined): string {
  if (line == null) return ''
  return line.length > 40 ? `${line.slice(0, 40)}…` : line
}
