import { defineCommand } from '../command.ts'
import { formatDuration } from '../format.ts'
import { joiningLines } from '../joining.ts'
import { fields } from '../output.ts'

export default defineCommand({
  name: 'status',
  summary: "show the daemon's uptime, peers, slots, running steps and jobs",
  group: 'Node',
  order: 2,
  async run (_input, ctx) {
    const s = await (await ctx.client()).status({ signal: ctx.signal })
    const steps = s.steps.map((step): [string, string] => [
      'step',
      `${step.type} ${step.cacheId.slice(0, 12)}${step.job !== null ? ` job ${step.job.slice(0, 16)}` : ''}${step.progress !== null ? ` ${Math.round(step.progress * 100)}%` : ''}`
    ])
    return fields(s, [
      ['peer', s.peer],
      ['version', s.version],
      ['uptime', formatDuration(s.uptimeMs)],
      ['home', s.home],
      ['socket', s.socket],
      ['peers', `${s.peers.connected} connected`],
      ...joiningLines(s, Date.now()),
      ['membership', `${s.membership.alive} alive, ${s.membership.suspect} suspect, ${s.membership.dead} dead`],
      ['slots', `${s.slots.busy}/${s.slots.total} busy`],
      ['jobs', `${s.jobs.running} running, ${s.jobs.completed} completed, ${s.jobs.failed} failed, ${s.jobs.cancelled} cancelled`],
      ['ffmpeg', s.ffmpeg === null ? 'not found' : `${s.ffmpeg.version} (${s.ffmpeg.path})`],
      ...(s.executors.split
        ? [
          [
            'warning',
            `the nodes run ${s.executors.builds.length} different ffmpeg builds or thread settings (${
              s.executors.builds.map(b => `${b.ffmpegVersion}${b.threads > 0 ? ` threads=${b.threads}` : ''} on ${b.peers.length}`).join('; ')
            }): one step can give different bytes on different nodes`
          ] as [string, string]
        ]
        : []),
      ...steps
    ])
  }
})
