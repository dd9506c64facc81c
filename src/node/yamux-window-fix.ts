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
 * The yamux spec leaves it to the receiver when to grant window; go-yamux
 * (and Kubo) grant it once at least half of the window is used. This does
 * the same for an established stream: the update is deferred while the
 * sender still has at least half of the window, so it can never run out of
 * window waiting for one. Streams opening (SYN, ACK) or closing, and paused
 * streams, keep yamux's own behaviour, as does the window's growth when an
 * update is sent.
 */
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

/** Whether a window update can wait: an established stream whose sender still has half of the window or more. */
export function windowUpdateCanWait (stream: WindowState): boolean {
  return stream.state === StreamState.Established && stream.recvWindowCapacity * 2 >= stream.recvWindow
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
