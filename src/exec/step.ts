import type { z } from 'zod'
import type { FfmpegCommand } from './command.ts'
import type { MediaInfo } from './probe-parse.ts'
import type { PacketFact } from '../plan/index.ts'

/** `media`: the intermediate format (or `encode`'s container); `image`: PNG; `json`: a JSON document. */
export type OutputKind = 'media' | 'image' | 'json'

export interface StepOutput {
  kind: OutputKind
  /** File extension without the dot. */
  extension: string
}

export interface StepInput {
  /** The file's name inside the workspace. */
  file: string
  info: MediaInfo
  /** Keyframe times in seconds, when the executor asked for them. */
  keyframes?: number[] | undefined
  /** The video stream's packets (decode order) and time base, when the executor asked for them. */
  packets?: { timeBase: [number, number], list: PacketFact[] } | undefined
}

export interface PlanContext {
  inputs: StepInput[]
  /** The name the output must be written under (or renamed to, see StepPlan.result). */
  output: string
  /** The font's name inside the workspace, for steps that draw text. */
  fontFile: string
}

/** A file the step writes into the workspace before ffmpeg runs (e.g. a drawtext text file). */
export interface WorkspaceFile {
  name: string
  content: string
}

export type StepPlan =
  | {
    kind: 'ffmpeg'
    /** Run in order; later ones may read earlier ones' outputs. */
    commands: FfmpegCommand[]
    files?: WorkspaceFile[]
    /** The file holding the result when it is not `output` (it is renamed). */
    result?: string
    /** The output's expected duration, for progress fractions; null when unknown. */
    expectedDurationS: number | null
  }
  | {
    kind: 'write'
    content: string
  }

/** What the executor must know about its inputs before it can plan. */
export type ProbeNeed = 'none' | 'streams' | 'keyframes' | 'packets'

/** Encoders (and a pixel format) the binary must have for this config. */
export interface EncoderNeeds {
  encoders: string[]
  pixelFormat?: { encoder: string, format: string }
}

/**
 * One step type. The config-taking members are methods, so an executor of a
 * specific config (`StepExecutor<EncodeConfig>`) is also a `StepExecutor` in
 * the catalog, which only ever hands it the config its own schema produced.
 */
export interface StepExecutor<C = unknown> {
  readonly type: string
  /** Bump whenever the same config and inputs could give different output. */
  readonly version: string
  /** One paragraph for the recipe reference. */
  readonly description: string
  readonly inputs: { readonly min: number, readonly max: number }
  /** Strict: unknown keys, out-of-range numbers and unknown enum values are errors. Output: the normalized config. */
  readonly schema: z.ZodType<C>
  output(config: C): StepOutput
  probe(config: C): ProbeNeed
  /** Encoders beyond the intermediate format's, checked against the binary before ffmpeg runs. */
  needs?(config: C): EncoderNeeds
  /** Whether the font is linked into the workspace. */
  readonly usesFont?: boolean
  /**
   * Reads its inputs over a loopback URL of the engine's range server, which
   * fetches only the byte ranges ffmpeg asks for, instead of a copy of each
   * whole input in the workspace. @default false
   */
  streamInputs?(config: C): boolean
  /**
   * What a node must advertise to run it (codec names such as `h264`, or
   * encoder names such as `h264_nvenc`). Absent: the planner's default.
   */
  requires?(config: C): string[]
  /**
   * Its output is one part of a whole that a later step gathers (a
   * transcode's chunk, its sound): the job's submitter keeps a copy as soon
   * as it is made, so the part outlives its producer. @default false
   */
  readonly gathered?: boolean
  /**
   * It gathers such parts into one output (a transcode's join): it runs on the
   * job's submitter when that node is free, which already keeps a copy of
   * every part and wants the output. @default false
   */
  readonly gathers?: boolean
  /**
   * Pure: builds the ffmpeg command(s) from the normalized config and the
   * probed inputs. Throws StepInputsInvalidError when the inputs do not suit.
   */
  plan(config: C, context: PlanContext): StepPlan
}
