import { rename, stat, writeFile } from 'node:fs/promises'
import type { Launch } from './launch.ts'
import type { Logger } from '../log.ts'
import { CapabilitiesCache } from './capabilities.ts'
import { executors } from './catalog.ts'
import { checkEncoders } from './encoders.ts'
import { ProcessAbortedError, ProcessTimeoutError, StepConfigInvalidError, StepInputsInvalidError, StepOutputMissingError, UnknownStepTypeError } from './errors.ts'
import { resolveFont } from './fonts.ts'
import { describeConfigIssues, normalizeWith } from './normalize.ts'
import type { ProgressEvent } from './progress.ts'
import { runFfmpeg } from './runner.ts'
import type { SpawnListener } from './spawns.ts'
import type { StepExecutor, StepOutput, StepPlan } from './step.ts'
import { adoptInputs, probeInputs } from './step-inputs.ts'
import { Workspace } from './workspace.ts'

/** The font's name inside a workspace. */
const FONT_NAME = 'font.ttf'

export interface StepProgress extends ProgressEvent {
  /** Which ffmpeg run of the step this is about (a step may need more than one), from 0. */
  run: number
  runs: number
}

export interface ExecuteStepOptions {
  type: string
  /** The recipe node's config; validated again here (normalizing twice is harmless). */
  config: unknown
  /** Input files, in the step's input order. They are linked (or copied) into the workspace, never modified. */
  inputs: string[]
  /** A fresh workspace is made under it, owned by the result (removed by its dispose()), or removed at once on failure. */
  workRoot?: string | undefined
  /** Or the caller's own workspace: then the caller removes it. */
  workspace?: Workspace | undefined
  binaries: { ffmpeg: { path: string }, ffprobe: { path: string } }
  /** ffmpeg -threads; 0 or absent: ffmpeg decides (encoders fixed for reproducibility, see renderArgs). */
  threads?: number | undefined
  /** The drawtext font. @default the bundled Open Sans Regular */
  fontFile?: string | null | undefined
  /** The whole step (probing and every ffmpeg run) is killed past this. */
  timeoutMs: number
  signal?: AbortSignal | undefined
  onProgress?: ((event: StepProgress) => void) | undefined
  onSpawn?: SpawnListener | undefined
  /** Every ffmpeg run's stderr as it comes (the step's log). */
  onStderr?: ((chunk: string) => void) | undefined
  /** How ffmpeg and ffprobe are started (the daemon's spawner helper); @default children of this process */
  launch?: Launch | undefined
  /** Shared across steps so binaries are asked about their encoders once. */
  capabilities?: CapabilitiesCache | undefined
  killGraceMs?: number | undefined
  logger?: Logger | undefined
}

export interface StepResult extends AsyncDisposable {
  type: string
  /** The normalized config that was rendered. */
  config: Record<string, unknown>
  /** The output file, inside `workspace`. Valid until dispose(). */
  outputPath: string
  output: StepOutput
  workspace: string
  /** How many ffmpeg processes rendered it. */
  ffmpegRuns: number
  elapsedMs: number
  /** Removes the workspace and the output with it (if this call made the workspace); idempotent. */
  dispose: () => Promise<void>
}

function lookup (type: string): StepExecutor {
  const executor = executors.get(type)
  if (executor == null) throw new UnknownStepTypeError(`unknown step type "${type}"; known types: ${[...executors.keys()].join(', ')}`, { type })
  return executor
}

/** Validates without touching anything: every failure here starts no process. */
function prepare (options: ExecuteStepOptions): { executor: StepExecutor, config: Record<string, unknown> } {
  const executor = lookup(options.type)
  const normalized = normalizeWith(executor.schema, options.config)
  if (!normalized.ok) {
    throw new StepConfigInvalidError(`invalid ${options.type} config: ${describeConfigIssues(normalized.issues)}`, { type: options.type, issues: normalized.issues })
  }
  const { min, max } = executor.inputs
  const count = options.inputs.length
  if (count < min || count > max) {
    const wanted = min === max ? `${min}` : `${min} to ${max}`
    throw new StepInputsInvalidError(`${options.type} takes ${wanted} input${max === 1 ? '' : 's'}, got ${count}`, { type: options.type, inputs: count })
  }
  if (options.workspace == null && options.workRoot == null) throw new TypeError('executeStep needs workRoot or workspace')
  return { executor, config: normalized.config }
}

async function render (plan: StepPlan, outputPath: string, workspace: Workspace, options: ExecuteStepOptions, timeoutMs: () => number): Promise<number> {
  if (plan.kind === 'write') {
    await writeFile(outputPath, plan.content)
    return 0
  }
  for (const file of plan.files ?? []) await writeFile(workspace.path(file.name), file.content, 'utf8')
  for (const [run, command] of plan.commands.entries()) {
    await runFfmpeg(command, {
      ffmpegPath: options.binaries.ffmpeg.path,
      workspace,
      threads: options.threads,
      timeoutMs: timeoutMs(),
      signal: options.signal,
      killGraceMs: options.killGraceMs,
      expectedDurationMs: plan.expectedDurationS != null ? plan.expectedDurationS * 1000 : null,
      onProgress: event => options.onProgress?.({ ...event, run, runs: plan.commands.length }),
      onSpawn: options.onSpawn,
      onStderr: options.onStderr,
      launch: options.launch,
      logger: options.logger
    })
  }
  if (plan.result != null) await rename(workspace.path(plan.result), outputPath)
  return plan.commands.length
}

/**
 * Runs one step: validates its config, brings the inputs into a workspace,
 * probes them if the step needs facts, builds the ffmpeg command(s) and runs
 * them. The output lives in the workspace until the result is disposed; use
 * `await using result = await executeStep(…)` or call `result.dispose()`
 * after copying the output away. On failure the workspace is already gone.
 */
export async function executeStep (options: ExecuteStepOptions): Promise<StepResult> {
  const { executor, config } = prepare(options)
  const started = performance.now()
  const deadline = started + options.timeoutMs
  const remaining = (): number => {
    const left = Math.floor(deadline - performance.now())
    if (left <= 0) throw new ProcessTimeoutError(`step ${executor.type} ran longer than its ${options.timeoutMs} ms limit`, { timeoutMs: options.timeoutMs })
    return left
  }
  if (options.signal?.aborted === true) throw new ProcessAbortedError(`step ${executor.type} was aborted before it started`, undefined, { cause: options.signal.reason })

  const owned = options.workspace == null
  const workspace = options.workspace ?? await Workspace.create(options.workRoot as string, { prefix: `${executor.type}-` })
  const dispose = async (): Promise<void> => {
    if (owned) await workspace.dispose()
  }
  try {
    const output = executor.output(config)
    const outputName = `output.${output.extension}`
    const outputPath = workspace.path(outputName)
    const inputNames = await adoptInputs(workspace, options.inputs)
    const needs = executor.needs?.(config)
    if (needs != null) {
      await checkEncoders(options.binaries.ffmpeg.path, needs, options.capabilities ?? new CapabilitiesCache(), { timeoutMs: remaining(), signal: options.signal, onSpawn: options.onSpawn })
    }
    if (executor.usesFont === true) {
      const font = await resolveFont(options.fontFile)
      await workspace.adopt(font.path, FONT_NAME)
    }
    const inputs = await probeInputs(inputNames, executor.probe(config), {
      type: executor.type,
      ffprobePath: options.binaries.ffprobe.path,
      cwd: workspace.dir,
      timeoutMs: remaining,
      signal: options.signal,
      onSpawn: options.onSpawn,
      launch: options.launch
    })
    const plan = executor.plan(config, { inputs, output: outputName, fontFile: FONT_NAME })
    const ffmpegRuns = await render(plan, outputPath, workspace, options, remaining)

    const written = await stat(outputPath).catch(() => null)
    if (written == null || written.size === 0) throw new StepOutputMissingError(`${executor.type} finished but wrote no output (${outputName})`, { type: executor.type })
    return {
      type: executor.type,
      config,
      outputPath,
      output,
      workspace: workspace.dir,
      ffmpegRuns,
      elapsedMs: performance.now() - started,
      dispose,
      [Symbol.asyncDispose]: dispose
    }
  } catch (err: unknown) {
    await dispose()
    if (err instanceof ProcessTimeoutError && !String(err.message).startsWith('step ')) {
      throw new ProcessTimeoutError(`step ${executor.type} ran longer than its ${options.timeoutMs} ms limit; ${err.message}`, { ...err.details, timeoutMs: options.timeoutMs }, { cause: err })
    }
    throw err
  }
}

/** A step running longer than this is killed and fails (30 min). */
export const DEFAULT_STEP_TIMEOUT_MS = 30 * 60 * 1000

/**
 * The `exec:` config section's defaults (config/default.yaml is checked against them).
 * null binaries: $ARTDAG_FFMPEG/$ARTDAG_FFPROBE, then the packages, then PATH; 0 slots: the
 * number of cores; 0 threads: ffmpeg's choice (encoders 4); null font: the bundled one;
 * null workDir: `<home>/work`.
 */
export const EXEC_DEFAULTS = {
  ffmpeg: null as string | null,
  ffprobe: null as string | null,
  slots: 0,
  threads: 0,
  stepTimeoutMs: DEFAULT_STEP_TIMEOUT_MS,
  fontFile: null as string | null,
  workDir: null as string | null
}
