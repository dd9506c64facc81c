import { createInterface } from 'node:readline'
import { commandSchema, linkInitSchema } from './control.ts'
import { Link } from './link.ts'
import type { LinkInit } from './link.ts'
import type { LinkCommand, LinkReply } from './control.ts'

/**
 * The WAN link as its own process, so that a busy test or benchmark process
 * does not distort its timing. Usage (see control.ts for the protocol):
 *
 *   node test/e2e/helpers/wan/link-process.ts '{"host":"127.0.10.1","shape":{"oneWayMs":25,"jitterMs":10}}'
 */

const link = new Link(linkInitSchema.parse(JSON.parse(process.argv[2] ?? '{}')) as LinkInit)
let stopping: Promise<void> | undefined

async function run (command: LinkCommand): Promise<unknown> {
  switch (command.op) {
    case 'add':
      return await link.addNode({ name: command.name, ip: command.ip, target: command.target })
    case 'shape':
      link.setShape(command.shape, command.from, command.to)
      return null
    case 'partition':
      link.partition(command.nodes, command.holding, command.others)
      return null
    case 'heal':
      link.heal()
      return null
    case 'cut':
      return { connections: link.cut(command.node) }
    case 'stats':
      return link.stats()
    case 'stop':
      await stop()
      return null
  }
}

function reply (message: LinkReply | { event: 'ready' }): void {
  process.stdout.write(`${JSON.stringify(message)}\n`)
}

async function stop (): Promise<void> {
  stopping ??= link.stop()
  await stopping
}

const lines = createInterface({ input: process.stdin })
lines.on('line', line => {
  let id = -1
  void (async () => {
    try {
      const raw = JSON.parse(line) as { id?: unknown }
      if (typeof raw.id === 'number') id = raw.id
      const command = commandSchema.parse(raw)
      reply({ id, ok: true, result: await run(command) })
      // Let the resets go out before the process ends.
      if (command.op === 'stop') setImmediate(() => process.exit(0))
    } catch (err: unknown) {
      reply({ id, ok: false, error: err instanceof Error ? err.message : String(err) })
    }
  })()
})
// The parent went away (or closed our stdin): nothing may outlive it.
lines.on('close', () => {
  void stop().then(() => {
    setImmediate(() => process.exit(0))
  })
})
reply({ event: 'ready' })
