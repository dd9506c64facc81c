/*
 * The CLI's one entry to work it does in its own process, with no daemon
 * (docs/ARCHITECTURE.md): `render` and `plan` run the embedded engine,
 * `init` makes a home, `doctor` checks ffmpeg, and `get`, `cat`, `pin`, `gc`
 * and `repo stat` open the home's stores when no daemon runs. A command imports it inside its
 * `run`, never at the top, so `--help` and the daemon's clients stay light; the plan, the
 * doctor and the home's content commands load their modules when called (a render needs none).
 */
import type { DoctorOptions, DoctorReport } from '../exec/index.ts'
import type { PlanDescription } from '../plan/index.ts'
import type { EmbeddedPlanOptions } from './embedded-plan.ts'
import type { LocalHome } from './local-home.ts'

export { configEditor, loadConfig } from '../config/index.ts'
export type { DoctorReport } from '../exec/index.ts'
export { initHome } from '../node/index.ts'
export type { EmbeddedPlanOptions } from './embedded-plan.ts'
export { embeddedRender } from './embedded-render.ts'
export type { EmbeddedRenderOptions } from './embedded-render.ts'
export { ffmpegVersion } from './versions.ts'
export type { LocalHome } from './local-home.ts'

/** ffmpeg and ffprobe checked (exec's doctor). */
export async function doctor (options: DoctorOptions = {}): Promise<DoctorReport> {
  const { doctor: check } = await import('../exec/index.ts')
  return await check(options)
}

/** `artdag plan` with no daemon (embedded-plan.ts). */
export async function embeddedPlan (options: EmbeddedPlanOptions): Promise<PlanDescription> {
  const { embeddedPlan: describe } = await import('./embedded-plan.ts')
  return await describe(options)
}

/** A home's content with no daemon running (local-home.ts). */
export async function openLocalHome (home: string, options: { signal?: AbortSignal | undefined, purpose?: string } = {}): Promise<LocalHome> {
  const { openLocalHome: open } = await import('./local-home.ts')
  return await open(home, options)
}
