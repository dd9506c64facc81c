/*
 * The CLI's one entry to work it does in its own process, with no daemon
 * (docs/ARCHITECTURE.md): `render` and `plan` run the embedded engine,
 * `init` makes a home, `doctor` checks ffmpeg, and `get`, `cat`, `pin`, `gc`
 * and `repo stat` open the home's stores when no daemon runs. A command imports it inside its
 * `run`, never at the top, so `--help` and the daemon's clients stay light.
 */
export { configEditor, loadConfig } from '../config/index.ts'
export { doctor } from '../exec/index.ts'
export type { DoctorReport } from '../exec/index.ts'
export { initHome } from '../node/index.ts'
export { embeddedPlan } from './embedded-plan.ts'
export type { EmbeddedPlanOptions } from './embedded-plan.ts'
export { embeddedRender } from './embedded-render.ts'
export type { EmbeddedRenderOptions } from './embedded-render.ts'
export { openLocalHome } from './local-home.ts'
export { ffmpegVersion } from './versions.ts'
export type { LocalHome } from './local-home.ts'
