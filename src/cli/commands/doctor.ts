import { defineCommand } from '../command.ts'
import { fields } from '../output.ts'

export default defineCommand({
  name: 'doctor',
  summary: 'check this machine can render: which ffmpeg and ffprobe, their versions, encoders and the font',
  group: 'Setup',
  order: 3,
  async run (_input, ctx) {
    const [{ loadConfig, doctor }, { CheckFailedError }] = await Promise.all([
      import('../../engine/index.ts'),
      import('../errors.ts')
    ])
    const { config } = await loadConfig({ home: ctx.home, env: ctx.io.env })
    const report = await doctor({ ffmpeg: config.exec.ffmpeg, ffprobe: config.exec.ffprobe, fontFile: config.exec.fontFile, env: ctx.io.env, signal: ctx.signal })
    const encoders = Object.entries(report.encoders).map(([codec, encoder]) => `${codec}${encoder == null ? ' (missing)' : ''}`).join(', ')
    const output = fields(report, [
      ['ffmpeg', `${report.ffmpeg.path} (${report.ffmpeg.source})`],
      ['ffmpeg version', report.ffmpeg.version],
      ['ffprobe', `${report.ffprobe.path} (${report.ffprobe.source})`],
      ['ffprobe version', report.ffprobe.version],
      ['encoders', encoders],
      ['font', 'path' in report.font ? `${report.font.path} (${report.font.source})` : report.font.error],
      ...report.problems.map((problem): [string, string] => ['problem', problem]),
      ['status', report.ok ? 'ok: every step type can run' : `${report.problems.length} problem(s)`]
    ])
    // Print the report either way; a machine that cannot run every recipe exits non-zero.
    if (!report.ok) throw new CheckFailedError(`doctor found ${report.problems.length} problem(s): ${report.problems.join('; ')}`, { report }, output)
    return output
  }
})
