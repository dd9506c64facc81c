import { createRequire } from 'node:module'

/**
 * @libp2p/pnet 3.0.27 encrypts with `xsalsa20` 1.2.0, whose WebAssembly
 * backend copies each input into one linear memory shared by every cipher in
 * the process (640 KiB at first, 62.5 MiB at most), and:
 * - pnet hands it whole write buffers (several MiB under load), so the memory grows;
 * - growing detaches the other ciphers' cached views of it; each then sees a
 *   zero-length memory and grows it again by its full input size.
 * A few connections moving MiB-sized bitswap messages reach the cap, and
 * `WebAssembly.Memory.grow()` throws from inside the socket's data handler:
 * an uncaught exception that kills the process (measured here: a 100 MiB cat
 * between three nodes). Upstream fixed pnet after 3.0.27 by feeding the
 * cipher 64 KiB at a time (libp2p/js-libp2p#3585); until that release is
 * installed, this patches the cipher the same way, and also refreshes a
 * detached view instead of growing. A stream cipher resumes where it left
 * off, so chunked output equals one whole update.
 */
export const XOR_CHUNK_BYTES = 65_536

const PATCHED = Symbol.for('artdag.xsalsa20.chunked')

interface WasmXor {
  _memory?: Uint8Array
}
interface XSalsa20Instance {
  _xor?: WasmXor | null
}
interface XSalsa20Class {
  prototype: { update: (this: XSalsa20Instance, input: Uint8Array, output?: Uint8Array) => Uint8Array }
  [PATCHED]?: boolean
}

/** The xsalsa20 module that @libp2p/pnet itself loads (same file, same module instance). */
export function loadPnetXSalsa20 (): XSalsa20Class | undefined {
  try {
    const require = createRequire(import.meta.resolve('@libp2p/pnet'))
    return require('xsalsa20') as XSalsa20Class
  } catch {
    return undefined // pnet no longer uses it: nothing to fix
  }
}

/** Idempotent; returns whether the cipher is (now) patched. */
export function applyPnetCipherFix (XSalsa20: XSalsa20Class | undefined = loadPnetXSalsa20()): boolean {
  if (XSalsa20 == null) return false
  if (XSalsa20[PATCHED] === true) return true
  const update = XSalsa20.prototype.update
  let latest: Uint8Array | undefined

  XSalsa20.prototype.update = function (input, output = new Uint8Array(input.byteLength)) {
    const xor = this._xor
    for (let start = 0; start < input.byteLength; start += XOR_CHUNK_BYTES) {
      // Another cipher grew the shared memory: take the live view rather than grow again.
      if (xor?._memory != null && xor._memory.byteLength === 0 && latest != null && latest.byteLength > 0) xor._memory = latest
      const end = Math.min(start + XOR_CHUNK_BYTES, input.byteLength)
      update.call(this, input.subarray(start, end), output.subarray(start, end))
      if (xor?._memory != null && xor._memory.byteLength > 0) latest = xor._memory
    }
    return output
  }
  XSalsa20[PATCHED] = true
  return true
}
