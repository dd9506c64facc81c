import { LEASE_TOPIC, leaseCodec } from '../../../src/protocol/messages/lease.ts'
import { jobsCodec } from '../../../src/protocol/messages/jobs.ts'
import type { CoordinatorMessage } from '../../../src/jobs/core/effects.ts'
import type { ExecutionRef } from '../../../src/jobs/core/types.ts'
import type { DriverPorts } from '../../../src/jobs/driver/ports.ts'
import type { PingPort } from '../../../src/jobs/driver/round-trips.ts'
import { divergentCid, expectedCid } from './ids.ts'
import type { SimNode } from './sim-node.ts'
import type { World } from './world.ts'

/**
 * The simulator's ports: what the daemon does with libp2p, the DHT, the
 * blockstore and ffmpeg, done in virtual time. Every answer reaches the node
 * through `deliver` (it may be down, paused or busy by then) and only while
 * the incarnation that asked still runs.
 */
export function simPorts (world: World, node: SimNode, incarnation: number): DriverPorts {
  const { q, truth, config } = world
  const alive = (): boolean => node.incarnation === incarnation && node.status !== 'down'
  const answer = (run: () => void): void => {
    if (alive()) node.deliver(run)
  }
  return {
    transport: {
      publish: message => {
        if (alive()) world.publish(node, message)
        return undefined
      }
    },
    cache: {
      lookup: (cacheIds, scope, _deadline, reply) => {
        for (const cacheId of cacheIds) {
          if (world.misc.chance(config.lookupLoss)) {
            truth.messageFault([cacheId], q.now)
            continue
          }
          const [lo, hi] = config.lookupLatencyMs
          const local = node.localIndex.get(cacheId)
          const latency = local !== undefined || scope === 'index' ? world.misc.range(0.2, 1) : world.misc.range(lo, hi)
          q.after(latency, () => {
            const record = world.dht.get(cacheId)
            const remote = scope === 'network' && record !== undefined && record.visibleAt <= q.now ? record : undefined
            const indexed = node.localIndex.get(cacheId)
            answer(() => {
              // This node's own index is its word; a DHT record comes with its attestations (when kept: config.content).
              if (indexed !== undefined || remote === undefined) reply(cacheId, indexed)
              else reply(cacheId, remote.cid, remote.attestations)
            })
          })
        }
        return undefined
      },
      put: (cacheId, cid, _type, attestations) => {
        if (!alive()) return undefined
        node.localIndex.set(cacheId, cid)
        if (!world.dht.has(cacheId)) world.dht.set(cacheId, { cid, visibleAt: q.now + world.misc.range(2, 40), ...(config.content !== undefined ? { attestations } : {}) })
        return undefined
      }
    },
    executor: {
      start: (ref, report) => {
        if (alive()) world.startExecution(node, ref, report)
        return undefined
      },
      abort: (ref, reason) => {
        const key = execKey(ref)
        const running = node.executions.get(key)
        if (running !== undefined) {
          node.executions.delete(key)
          running.rec.abortReason = reason
          truth.end(running.rec, 'aborted', q.now)
        }
        world.log(node, `abort ${short(ref.cacheId)}@${ref.epoch} (${reason})`)
      }
    },
    jobs: {
      fetch: (jobId, _from, deliver) => {
        q.after(world.misc.range(5, 40), () => {
          const spec = world.jobs.get(jobId)
          if (spec !== undefined) {
            answer(() => {
              deliver(spec)
            })
          }
        })
        return undefined
      }
    },
    outcomes: {
      jobFinished: result => {
        node.jobResults.set(result.jobId, result)
        truth.jobResult(node.index, result, q.now)
        world.log(node, `job ${result.jobId.slice(0, 10)} ${result.state}${result.state === 'completed' ? ` ${result.outputCid.slice(-6)}` : ''}`)
        return undefined
      },
      persist: () => {
        if (alive()) world.persist(node)
        return undefined
      },
      event: event => {
        if (event.kind === 'step' && event.state === 'CLAIMED' && event.node === node.peerId) {
          truth.claims.push({ t: q.now, node: node.index, incarnation: node.incarnation, cacheId: event.cacheId, epoch: event.epoch, reason: event.reason })
        }
        if (event.kind === 'mismatch') truth.mismatchEvents += 1
        if (world.tracing) {
          world.log(
            node,
            event.kind === 'step'
              ? `${event.state} ${short(event.cacheId)}@${event.epoch} by n${world.indexOf(event.node)}${event.reason !== undefined ? ` (${event.reason})` : ''}`
              : event.kind === 'job'
              ? `job ${event.jobId.slice(0, 10)} → ${event.state}`
              : event.kind === 'pause'
              ? `pause detected (${Math.round(event.gapMs)} ms)`
              : `results differ for ${short(event.cacheId)}: kept ${event.kept.slice(-6)}`
          )
        }
      }
    }
  }
}

/** A ping crosses the simulated network both ways, with its loss, delays and partitions. */
export function simPing (world: World, node: SimNode, incarnation: number): PingPort {
  return {
    ping: (peer, done) => {
      const target = world.nodes.find(n => n.peerId === peer)
      if (target === undefined) return undefined
      const sentAt = node.now()
      world.network.send(node, target, 'ping', [], to => {
        to.deliver(() => {
          world.network.send(to, node, 'ping', [], back => {
            if (back.incarnation !== incarnation) return
            back.deliver(() => {
              done(back.now() - sentAt)
            })
          })
        })
      })
      return undefined
    }
  }
}

/** The bytes an execution on `node` gives: the same everywhere, unless the node's executor diverges. */
export function producedCid (world: World, node: SimNode, ref: ExecutionRef): string {
  return world.config.exec.divergentOn.has(node.index) ? divergentCid(ref.cacheId, node.index) : expectedCid(ref.cacheId)
}

/** A message as the receiver decodes it (on the share of runs that check the wire format). */
export function onTheWire (world: World, message: CoordinatorMessage, topic: string): CoordinatorMessage {
  if (!world.config.wireCheck) return message
  const codec = topic === LEASE_TOPIC ? leaseCodec : jobsCodec
  return codec.decode(codec.encode(message as never)) as CoordinatorMessage
}

export function execKey (ref: ExecutionRef): string {
  return `${ref.cacheId}|${ref.epoch}`
}

export function short (cacheId: string): string {
  return cacheId.slice(0, 6)
}
