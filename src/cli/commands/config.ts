import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { fields, table } from '../output.ts'

/** A value as it is written in YAML (and read back by `config set`). */
function shown (value: unknown): string {
  return value === null ? 'null' : typeof value === 'string' ? value : JSON.stringify(value)
}

const get = defineCommand({
  name: 'get',
  summary: "print a key's value and where it comes from (every key when none is named)",
  args: [{ name: 'key', description: 'a config key, e.g. exec.slots', optional: true }],
  input: z.object({ key: z.string().min(1).optional() }),
  examples: ['artdag config get exec.slots', 'artdag config get --json'],
  async run ({ key }, ctx) {
    const { configEditor } = await import('../../engine/index.ts')
    const editor = await configEditor()
    if (key != null) {
      const v = await editor.configValue(ctx.home, ctx.io.env, key)
      return fields(v, [['key', v.key], ['value', shown(v.value)], ['source', v.source]])
    }
    const values = await editor.configValues(ctx.home, ctx.io.env)
    return table({ values }, ['KEY', 'VALUE', 'SOURCE'], values.map(v => [v.key, shown(v.value), v.source]), 'no config keys')
  }
})

const set = defineCommand({
  name: 'set',
  summary: "set a key in the home's config.yaml (checked first; its comments are kept); a running daemon uses it once restarted",
  args: [{ name: 'key', description: 'a config key, e.g. exec.slots' }, { name: 'value', description: 'its value, in YAML: 4, true, null, "text", [a, b]' }],
  input: z.object({ key: z.string().min(1), value: z.string() }),
  examples: ['artdag config set exec.slots 2', "artdag config set node.bootstrap '[/ip4/10.0.0.2/tcp/4101]'"],
  async run ({ key, value }, ctx) {
    const [{ configEditor }, { daemonIfRunning }] = await Promise.all([import('../../engine/index.ts'), import('../daemon-client.ts')])
    const v = await (await configEditor()).setConfigValue(ctx.home, ctx.io.env, key, value)
    const restart = await daemonIfRunning(ctx) !== undefined
    if (restart && !ctx.json) ctx.io.stderr.write('note: the running daemon uses it once restarted\n')
    return fields({ ...v, restart }, [['key', v.key], ['value', shown(v.value)], ['source', v.source]])
  }
})

export default defineCommand({
  name: 'config',
  summary: "read and change this node's configuration (config/default.yaml lists every key)",
  group: 'Setup',
  order: 5,
  subcommands: [get, set]
})
