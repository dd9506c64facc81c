import { z } from 'zod'

/**
 * The link process's control protocol: one JSON object a line on its stdin,
 * one answer a line on its stdout with the same `id`. The process starts with
 * its LinkInit as JSON in argv[2], prints `{"event":"ready"}` once it listens
 * for commands, and exits when its stdin closes (its parent went away).
 */

const name = z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/)
const nodeOrAny = z.union([name, z.literal('*')])
const shape = z.strictObject({
  oneWayMs: z.number().nonnegative(),
  jitterMs: z.number().nonnegative(),
  bytesPerSecond: z.number().positive().nullable()
})

export const linkInitSchema = z.strictObject({
  host: z.ipv4(),
  shape: shape.partial().optional()
})

export const commandSchema = z.discriminatedUnion('op', [
  z.strictObject({ id: z.number(), op: z.literal('add'), name, ip: z.ipv4(), target: z.strictObject({ host: z.ipv4(), port: z.number().int().min(1).max(65535) }) }),
  z.strictObject({ id: z.number(), op: z.literal('shape'), shape, from: nodeOrAny.optional(), to: nodeOrAny.optional() }),
  z.strictObject({ id: z.number(), op: z.literal('partition'), nodes: z.array(name).min(1), holding: z.enum(['both', 'out', 'in']).optional(), others: z.array(name).min(1).optional() }),
  z.strictObject({ id: z.number(), op: z.literal('heal') }),
  z.strictObject({ id: z.number(), op: z.literal('cut'), node: name }),
  z.strictObject({ id: z.number(), op: z.literal('stats') }),
  z.strictObject({ id: z.number(), op: z.literal('stop') })
])

export type LinkCommand = z.infer<typeof commandSchema>

export type LinkReply = { id: number, ok: true, result: unknown } | { id: number, ok: false, error: string }
