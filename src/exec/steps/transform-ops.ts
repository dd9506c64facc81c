import { SWS_FLAGS } from '../command.ts'
import { StepInputsInvalidError } from '../errors.ts'
import { ffColor, int, num } from '../filters.ts'
import type { TransformOp } from './transform.ts'

/** The picture size as it goes through the operations, so each can be checked and sizes stay exact. */
export interface Frame {
  width: number
  height: number
}

/** Nearest even number, at least 2: what a scale keeping the aspect ratio produces. */
function evenRound (n: number): number {
  return Math.max(2, Math.round(n / 2) * 2)
}

function scale (op: Extract<TransformOp, { op: 'scale' }>, frame: Frame): Frame {
  // Sizes are computed here, not by ffmpeg's -2, whose rounding changed between versions.
  const width = op.width ?? evenRound(frame.width * (op.height as number) / frame.height)
  const height = op.height ?? evenRound(frame.height * (op.width as number) / frame.width)
  return { width, height }
}

/** Width and height of a frame rotated by `radians`, big enough to hold all of it. */
function rotatedBounds (frame: Frame, radians: number): Frame {
  const c = Math.abs(Math.cos(radians))
  const s = Math.abs(Math.sin(radians))
  return { width: Math.ceil((frame.width * c + frame.height * s - 1e-9) / 2) * 2, height: Math.ceil((frame.width * s + frame.height * c - 1e-9) / 2) * 2 }
}

function rotate (op: Extract<TransformOp, { op: 'rotate' }>, frame: Frame): { filters: string[], frame: Frame } {
  const degrees = ((op.degrees % 360) + 360) % 360
  if (degrees === 0) return { filters: [], frame }
  if (degrees === 90) return { filters: ['transpose=clock'], frame: { width: frame.height, height: frame.width } }
  if (degrees === 180) return { filters: ['hflip', 'vflip'], frame }
  if (degrees === 270) return { filters: ['transpose=cclock'], frame: { width: frame.height, height: frame.width } }
  const radians = degrees * Math.PI / 180
  const out = op.expand ? rotatedBounds(frame, radians) : frame
  return { filters: [`rotate=a=${num(radians, 9)}:ow=${int(out.width)}:oh=${int(out.height)}:c=${ffColor(op.color)}`], frame: out }
}

/** The filters for one operation and the frame size after it; `field` names the op in errors. */
export function opFilters (op: Exclude<TransformOp, { op: 'speed' }>, frame: Frame, field: string): { filters: string[], frame: Frame } {
  switch (op.op) {
    case 'scale': {
      const out = scale(op, frame)
      const flags = SWS_FLAGS.replace('bicubic', op.algorithm)
      return { filters: [`scale=${int(out.width)}:${int(out.height)}:flags=${flags}`, 'setsar=1'], frame: out }
    }
    case 'crop': {
      const x = op.x ?? Math.floor((frame.width - op.width) / 2)
      const y = op.y ?? Math.floor((frame.height - op.height) / 2)
      if (x < 0 || y < 0 || x + op.width > frame.width || y + op.height > frame.height) {
        throw new StepInputsInvalidError(`${field}: a ${op.width}x${op.height} crop at (${x}, ${y}) does not fit in the ${frame.width}x${frame.height} picture`, { field })
      }
      return { filters: [`crop=${int(op.width)}:${int(op.height)}:${int(x)}:${int(y)}`], frame: { width: op.width, height: op.height } }
    }
    case 'pad': {
      const x = op.x ?? Math.floor((op.width - frame.width) / 2)
      const y = op.y ?? Math.floor((op.height - frame.height) / 2)
      if (x < 0 || y < 0 || x + frame.width > op.width || y + frame.height > op.height) {
        throw new StepInputsInvalidError(`${field}: the ${frame.width}x${frame.height} picture at (${x}, ${y}) does not fit in a ${op.width}x${op.height} pad`, { field })
      }
      return { filters: [`pad=${int(op.width)}:${int(op.height)}:${int(x)}:${int(y)}:color=${ffColor(op.color)}`], frame: { width: op.width, height: op.height } }
    }
    case 'fps':
      return { filters: [`fps=fps=${num(op.fps)}`], frame }
    case 'rotate':
      return rotate(op, frame)
    case 'flip':
      return { filters: op.direction === 'horizontal' ? ['hflip'] : op.direction === 'vertical' ? ['vflip'] : ['hflip', 'vflip'], frame }
    case 'color': {
      const filters: string[] = []
      if (op.brightness !== 0 || op.contrast !== 1 || op.saturation !== 1 || op.gamma !== 1) {
        filters.push(`eq=brightness=${num(op.brightness)}:contrast=${num(op.contrast)}:saturation=${num(op.saturation)}:gamma=${num(op.gamma)}`)
      }
      if (op.hue !== 0) filters.push(`hue=h=${num(op.hue)}`)
      return { filters, frame }
    }
  }
}
