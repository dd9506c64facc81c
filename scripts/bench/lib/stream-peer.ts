#!/usr/bin/env node
/**
 * The sending end of the transfer benchmark's baselines, in its own process
 * (as a daemon would be): serves one file, whole, to whoever connects.
 *
 *   node scripts/bench/lib/stream-peer.ts tcp <file>
 *   node scripts/bench/lib/stream-peer.ts libp2p <file> <swarm.key>
 *
 * Prints one JSON line with where to connect, then serves until killed.
 * `tcp`: plain node:net on loopback. `libp2p`: a bare libp2p node with the
 * daemon's connection stack (TCP + pnet + noise + yamux, the same pnet cipher
 * fix) and one protocol that writes the file's bytes to the stream: no IPFS.
 */
import { createReadStream } from 'node:fs'
import { createServer } from 'node:net'
import { pipeline } from 'node:stream/promises'
import { noise } from '@libp2p/noise'
import { preSharedKey } from '@libp2p/pnet'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { applyPnetCipherFix } from '../../../src/node/pnet-cipher-fix.ts'
import { readSwarmKey } from '../../../src/node/swarm-key.ts'
import type { Libp2p, ServiceMap } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'

export const RAW_PROTOCOL = '/artdag-bench/raw/1.0.0'
const CHUNK_BYTES = 1024 * 1024

/**
 * A libp2p node with the daemon's transport, protector, encrypter and muxer, and nothing else
 * but what `extra` adds (a key, a logger, services).
 */
export async function plainLibp2p<S extends ServiceMap = ServiceMap> (swarmKey: Uint8Array, listen: string[] = [], extra: Libp2pOptions<S> = {}): Promise<Libp2p<S>> {
  applyPnetCipherFix()
  return await createLibp2p<S>({
    ...extra,
    addresses: { listen },
    transports: [tcp()],
    connectionProtector: preSharedKey({ psk: swarmKey }),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()]
  })
}

async function main (): Promise<void> {
  const [mode, file, keyPath] = process.argv.slice(2)
  if (mode === 'tcp' && file != null) {
    const server = createServer(socket => {
      pipeline(createReadStream(file, { highWaterMark: CHUNK_BYTES }), socket).catch(() => socket.destroy())
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`)
  } else if (mode === 'libp2p' && file != null && keyPath != null) {
    const node = await plainLibp2p(await readSwarmKey(keyPath), ['/ip4/127.0.0.1/tcp/0'])
    await node.handle(RAW_PROTOCOL, async (stream) => {
      try {
        for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
          if (!stream.send(chunk as Buffer)) await stream.onDrain()
        }
        await stream.close()
      } catch (err: unknown) {
        stream.abort(err as Error)
      }
    })
    process.stdout.write(`${JSON.stringify({ multiaddr: node.getMultiaddrs()[0]!.toString() })}\n`)
  } else {
    process.stderr.write('usage: stream-peer.ts tcp <file> | libp2p <file> <swarm.key>\n')
    process.exit(2)
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) await main()
