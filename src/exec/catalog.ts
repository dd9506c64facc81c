import type { StepCatalog, StepDefinition } from '../plan/index.ts'
import { normalizeWith } from './normalize.ts'
import type { StepExecutor } from './step.ts'
import { analyzeStep } from './steps/analyze.ts'
import { audioMixStep } from './steps/audio-mix.ts'
import { encodeStep } from './steps/encode.ts'
import { generateStep } from './steps/generate.ts'
import { muxStep } from './steps/mux.ts'
import { overlayStep } from './steps/overlay.ts'
import { segmentStep } from './steps/segment.ts'
import { sequenceStep } from './steps/sequence.ts'
import { textStep } from './steps/text.ts'
import { thumbnailStep } from './steps/thumbnail.ts'
import { transformStep } from './steps/transform.ts'
import { transcodeStep } from './steps/transcode.ts'
import { transcodeAudioStep } from './steps/transcode-audio.ts'
import { transcodeChunkStep } from './steps/transcode-chunk.ts'
import { transcodeJoinStep } from './steps/transcode-join.ts'
import { transcodeSoundStep } from './steps/transcode-sound.ts'

/** Every step type, by name. */
export const executors: ReadonlyMap<string, StepExecutor> = new Map<string, StepExecutor>([
  generateStep,
  segmentStep,
  sequenceStep,
  transformStep,
  overlayStep,
  textStep,
  audioMixStep,
  muxStep,
  encodeStep,
  thumbnailStep,
  analyzeStep,
  transcodeStep,
  transcodeChunkStep,
  transcodeSoundStep,
  transcodeAudioStep,
  transcodeJoinStep
].map(executor => [executor.type, executor]))

function definitionOf (executor: StepExecutor): StepDefinition {
  return {
    type: executor.type,
    version: executor.version,
    inputs: executor.inputs,
    normalize: config => normalizeWith(executor.schema, config),
    ...(executor.requires != null ? { requires: (config: Record<string, unknown>) => (executor.requires as (c: unknown) => string[])(config) } : {}),
    ...(executor.gathered === true ? { gathered: true } : {}),
    ...(executor.gathers === true ? { gathers: true } : {})
  }
}

const definitions = new Map([...executors.values()].map(executor => [executor.type, definitionOf(executor)]))

/** What the planner needs: validation, defaults, versions and arity; no I/O. */
export const stepCatalog: StepCatalog = {
  get: type => definitions.get(type),
  types: () => [...definitions.keys()].sort()
}
