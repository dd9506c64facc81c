import { StreamState, YamuxStream } from '@libp2p/yamux/stream'

/**
 * @libp2p/yamux 8 answers every data frame it receives with a window update
 * (a 12-byte frame: through noise and pnet, a 30-byte socket write and, on
 * the other side, a read, a decryption and a frame to handle), whatever the
 * frame's size. Streams here are mostly small request/response exchanges
 * (gossipsub RPCs, DHT queries, transfer requests): in a burst of tiny jobs
 * over half of the daemons' socket writes were these updates
 * (docs/BENCHMARKS.md, "Issue 11, sixth round").
 *
 * The yamux spec leaves it to the receiver when to grant window (go-yamux
 * waits for half of it). Here an established stream defers the update while
 * less than `DEFERRED_WINDOW_BYTES` of its window is used: a small exchange
 * sends none, a stream of small messages one per 16 KiB, and the sender
 * always keeps all but 16 KiB of its window, so it never waits for one. A
 * frame of 16 KiB or more (bulk data) is answered at once, as before, so
 * yamux's growth of the window for fast streams (it doubles the window when
 * updates come within four round trips) is unchanged. Streams opening (SYN,
 * ACK), closing and paused keep yamux's own behaviour.
 */
export const DEFERRED_WINDOW_BYTES = 16 * 1024

const PATCHED = Symbol.for('artdag.yamux.halfWindowUpdates')

interface WindowState {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
}

interface YamuxStreamClass {
  prototype: { sendWindowUpdate: (this: WindowState) => void }
  [PATCHED]?: boolean
}

/** Whether a window update can wait: an established stream of which less than DEFERRED_WINDOW_BYTES (and half) is used. */
export function windowUpdateCanWait (stream: WindowState): boolean {
  const used = stream.recvWindow - stream.recvWindowCapacity
  return stream.state === StreamState.Established && used < DEFERRED_WINDOW_BYTES && used * 2 < stream.recvWindow
}

/** Idempotent; returns whether yamux's streams (now) defer small window updates. */
export function applyYamuxWindowFix (Stream: YamuxStreamClass = YamuxStream as unknown as YamuxStreamClass): boolean {
  if (Stream[PATCHED] === true) return true
  const sendWindowUpdate = Stream.prototype.sendWindowUpdate
  if (typeof sendWindowUpdate !== 'function') return false
  Stream.prototype.sendWindowUpdate = function () {
    if (windowUpdateCanWait(this)) return
    sendWindowUpdate.call(this)
  }
  Stream[PATCHED] = true
  return true
}
