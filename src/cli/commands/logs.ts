import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { value } from '../output.ts'

const count = z.coerce.number({ error: 'must be a positive integer' }).int('must be a positive integer').positive('must be a positive integer')

export default defineCommand({
  name: 'logs',
  summary: "the daemon's log (-f follows it), or with JOB STEP the ffmpeg log of a step's run",
  group: 'Node',
  order: 5,
  args: [
    { name: 'job', description: 'a job id, or a unique start of it: show a step of it', optional: true },
    { name: 'step', description: 'the step (the recipe node) whose ffmpeg log to show', optional: true }
  ],
  options: {
    follow: { flags: '-f, --follow', description: "keep printing the daemon's log as it is written (Ctrl-C stops)" },
    lines: { flags: '-n, --lines <n>', description: 'only the last n lines' }
  },
  input: z.object({ job: z.string().min(1).optional(), step: z.string().min(1).optional(), follow: z.boolean().optional(), lines: count.optional() }),
  examples: ['artdag logs -f', 'artdag logs -n 50 --json | jq .msg', 'artdag logs baguqeerajqp out'],
  async run (args, ctx) {
    if (args.job !== undefined) {
      const { InvalidArgumentError } = await import('../../errors.ts')
      if (args.step === undefined) throw new InvalidArgumentError('artdag logs JOB STEP: name the step too (artdag job JOB lists them)')
      const { stepLogText } = await import('../step-log.ts')
      const log = await stepLogText(await ctx.client(), args.job, args.step, ctx.signal)
      return value(log, log.text.trimEnd())
    }
    const [{ daemonLogLines }, { humanLogLine }] = await Promise.all([import('../../api/index.ts'), import('../../log-format.ts')])
    const lines = daemonLogLines(ctx.home, { lines: args.lines, follow: args.follow, signal: ctx.signal })
    const color = ctx.io.stdout.isTTY === true && ctx.io.env.NO_COLOR == null
    const source = (async function* () {
      for await (const line of lines) {
        if (!ctx.json) {
          yield line
          continue
        }
        try {
          yield JSON.parse(line) as unknown
        } catch { /* a line cut short by a crash: skipped in JSON */ }
      }
    })()
    return { kind: 'stream', source, line: (line: string) => humanLogLine(line, { color }) }
  }
})
