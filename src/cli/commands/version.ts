import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { fields } from '../output.ts'

export default defineCommand({
  name: 'version',
  summary: "artdag's version; with --all also Node's, the platform, ffmpeg's and the running daemon's",
  group: 'Setup',
  order: 4,
  options: {
    all: { flags: '-a, --all', description: "also Node's, the platform, ffmpeg's and the daemon's versions" }
  },
  input: z.object({ all: z.boolean().optional() }),
  async run ({ all }, ctx) {
    const { ARTDAG_VERSION } = await import('../../version.ts')
    if (all !== true) return fields({ version: ARTDAG_VERSION }, [['artdag', ARTDAG_VERSION]])
    const [{ loadConfig, ffmpegVersion }, { daemonIfRunning }] = await Promise.all([import('../../engine/index.ts'), import('../daemon-client.ts')])
    const { config } = await loadConfig({ home: ctx.home, env: ctx.io.env })
    const [ffmpeg, daemon] = await Promise.all([ffmpegVersion(config, ctx.io.env, { signal: ctx.signal }), daemonIfRunning(ctx)])
    const data = {
      version: ARTDAG_VERSION,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      ffmpeg,
      daemon: daemon !== undefined ? (await daemon.id({ signal: ctx.signal })).version : null
    }
    return fields(data, [
      ['artdag', data.version],
      ['node', data.node],
      ['platform', data.platform],
      ['ffmpeg', data.ffmpeg ?? 'not found (artdag doctor says why)'],
      ['daemon', data.daemon ?? 'not running']
    ])
  }
})
