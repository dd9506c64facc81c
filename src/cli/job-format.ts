import { formatDuration } from './format.ts'
import { shortId } from './ids.ts'
import type { JobDetail, JobSummary } from '../api/index.ts'

/** The last characters of a peer id: enough to tell a cluster's nodes apart. */
export function shortPeer (peer: string | null): string {
  return peer == null ? '-' : `…${peer.slice(-6)}`
}

/** Steps are often sub-second: `380 ms`, `4.2 s`, then minutes. */
export function formatStepDuration (ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  return formatDuration(ms)
}

export function progressLine (job: JobSummary | JobDetail): string {
  const p = job.progress
  return `${p.done}/${p.total} done · ${p.running} running · ${p.cached} cached · ${p.failed} failed`
}

/** Steps as aligned rows, for `artdag job`: ids shortened so a row fits a terminal (`--json` has them whole). */
export function stepRows (job: JobDetail): string[][] {
  return job.steps.map(step => [
    step.step,
    step.type,
    step.state,
    shortPeer(step.peer),
    String(step.attempts),
    step.durationMs != null ? formatStepDuration(step.durationMs) : '-',
    step.fps != null ? `${step.fps} fps` : '-',
    step.cid != null ? shortId(step.cid) : '-'
  ])
}

export const STEP_COLUMNS = ['STEP', 'TYPE', 'STATE', 'NODE', 'RUNS', 'DURATION', 'SPEED', 'CID']

/**
 * A transcode's chunks per node that encoded them for this job: how many,
 * their frames and the node's pace over them (`…a1b2c3: 4 chunks, 100 frames
 * at 52.3 fps`); cached chunks are counted apart.
 */
export function chunkLines (job: JobDetail): string[] {
  const byNode = new Map<string, { chunks: number, frames: number, ms: number }>()
  let cached = 0
  for (const step of job.steps) {
    if (step.frames == null) continue
    if (step.state === 'cached') cached++
    if (step.state !== 'completed' || step.peer === null) continue
    const node = byNode.get(step.peer) ?? { chunks: 0, frames: 0, ms: 0 }
    node.chunks++
    node.frames += step.frames
    node.ms += step.durationMs ?? 0
    byNode.set(step.peer, node)
  }
  const lines = [...byNode].map(([peer, n]) => `${shortPeer(peer)}: ${n.chunks} chunk${n.chunks === 1 ? '' : 's'}, ${n.frames} frames${n.ms > 0 ? ` at ${(n.frames / (n.ms / 1000)).toFixed(1)} fps` : ''}`)
  if (cached > 0) lines.push(`${cached} cached`)
  return lines
}

export function alignRows (columns: string[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map(r => (r[i] ?? '').length)))
  return [columns, ...rows].map(r => r.map((cell, i) => i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')
}

/** `artdag job JOB` in text: the job, then one row per step. */
export function jobText (job: JobDetail): string {
  const failed = job.steps.filter(s => s.state === 'failed' && s.error != null)
  const lines = [
    `job         ${job.id}`,
    `recipe      ${job.recipe}${job.label != null ? ` (${job.label})` : ''}`,
    `state       ${job.state}`,
    `progress    ${progressLine(job)}`,
    ...(job.progress.frames !== undefined ? [`frames      ${job.progress.frames.done}/${job.progress.frames.total} in finished chunks`] : []),
    ...chunkLines(job).map((line, i) => `${i === 0 ? 'chunks      ' : '            '}${line}`),
    `submitted   ${new Date(job.submittedAt).toISOString()} by ${shortPeer(job.submittedBy)}`,
    ...(job.output != null ? [`output      ${job.output}`] : []),
    ...(job.provenance != null ? [`provenance  ${job.provenance}`] : []),
    ...(job.pinnedBy.length > 0 ? [`pinned by   ${job.pinnedBy.map(shortPeer).join(', ')}`] : []),
    ...(job.error != null ? [`error       ${job.error.split('\n').join('\n            ')}`] : []),
    ...('mismatches' in job
      ? job.mismatches.map(m =>
        `warning     step ${m.step}: nodes returned ${m.cids.length} different results (${m.cids.map(shortId).join(', ')}); kept ${m.kept != null ? shortId(m.kept) : '-'}. Their ffmpeg builds differ: see artdag peers`
      )
      : []),
    ...(failed.length > 0 ? [`logs        ${failed.map(s => `artdag logs ${shortId(job.id)} ${s.step}`).join('; ')}`] : []),
    '',
    alignRows(STEP_COLUMNS, stepRows(job))
  ]
  return lines.join('\n')
}
