import { Socket } from 'node:net'
import type { ConnectionProtector, MessageStream } from '@libp2p/interface'

/**
 * Every frame libp2p sends is its own `socket.write()`: yamux hands each
 * frame (a stream's SYN, its data, its FIN) to noise, noise encrypts it into
 * a message of its own, pnet XORs that and writes it to the TCP socket at
 * once. A short exchange is several frames sent in the same turn of the
 * event loop, each one a system call, and on loopback or a LAN each write
 * becomes a segment the other side wakes up to read.
 *
 * Corked from its first write of a turn until the turn's end
 * (`process.nextTick`, which runs after the promise jobs of that turn),
 * the socket sends what was written in one `writev`. Bytes, order and
 * framing are unchanged; `write()` still says when the buffer is full
 * and 'drain' still follows, so backpressure is the same.
 */
const COALESCED = Symbol.for('artdag.socket.coalescedWrites')

type CoalescedSocket = Socket & { [COALESCED]?: boolean }

/** Makes a socket's writes of one event-loop turn go out together; idempotent. Returns whether it did. */
export function coalesceWrites (socket: CoalescedSocket): boolean {
  if (socket[COALESCED] === true) return true
  const write = socket.write.bind(socket)
  let corked = false
  const uncork = (): void => {
    corked = false
    socket.uncork()
  }
  socket.write = ((...args: Parameters<Socket['write']>) => {
    if (!corked && !socket.destroyed) {
      corked = true
      socket.cork()
      process.nextTick(uncork)
    }
    return write(...args)
  }) as Socket['write']
  socket[COALESCED] = true
  return true
}

/** The TCP socket under a connection, when it is one (@libp2p/tcp keeps it as `socket`). */
export function socketOf (connection: MessageStream): Socket | undefined {
  const socket = (connection as MessageStream & { socket?: unknown }).socket
  return socket instanceof Socket ? socket : undefined
}

/**
 * Wraps a connection protector (pnet's, which is handed every raw connection
 * first) so that each TCP connection's writes are coalesced per turn.
 */
export function coalescingProtector<C> (inner: (components: C) => ConnectionProtector): (components: C) => ConnectionProtector {
  return (components: C) => {
    const protector = inner(components)
    return {
      async protect (connection, options) {
        const socket = socketOf(connection)
        if (socket !== undefined) coalesceWrites(socket)
        return await protector.protect(connection, options)
      }
    }
  }
}
