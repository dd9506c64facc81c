import { StepInputsInvalidError } from '../errors.ts'
import { fps } from '../probe-parse.ts'
import type { AudioStreamInfo, VideoStreamInfo } from '../probe-parse.ts'
import type { StepInput } from '../step.ts'

/** Frame rate assumed for a stream that does not state one. */
export const FALLBACK_FPS = 25

export function requireVideo (type: string, inputs: StepInput[], index: number): VideoStreamInfo {
  const video = inputs[index]?.info.video
  if (video == null) throw new StepInputsInvalidError(`input ${index} of ${type} has no video stream, and ${type} needs one there`, { type, input: index })
  return video
}

export function requireAudio (type: string, inputs: StepInput[], index: number): AudioStreamInfo {
  const audio = inputs[index]?.info.audio
  if (audio == null) throw new StepInputsInvalidError(`input ${index} of ${type} has no audio stream, and ${type} needs one there`, { type, input: index })
  return audio
}

/** A clip with a known duration (not a still picture). */
export function requireTimed (type: string, inputs: StepInput[], index: number): number {
  const info = inputs[index]?.info
  if (info == null || info.still || info.durationS == null || info.durationS <= 0) {
    throw new StepInputsInvalidError(`input ${index} of ${type} is ${info?.still === true ? 'a still picture' : 'of unknown length'}, and ${type} needs a clip with a duration there`, { type, input: index })
  }
  return info.durationS
}

export function videoFps (video: VideoStreamInfo | null | undefined): number {
  return video?.frameRate != null ? fps(video.frameRate) : FALLBACK_FPS
}

export function input (inputs: StepInput[], index: number): StepInput {
  const found = inputs[index]
  if (found == null) throw new StepInputsInvalidError(`input ${index} is missing`, { input: index })
  return found
}
