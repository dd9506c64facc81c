import { z } from 'zod'

/**
 * Schema pieces shared by step types. Every field carries a description (the
 * recipe reference is generated from them) and every value is typed and
 * bounded: recipes never carry ffmpeg syntax.
 */

/** The longest time any step deals with: 24 hours. */
export const MAX_SECONDS = 86_400
export const MAX_SIZE = 8192

/** Audio sample rates a recipe may ask for, in Hz. */
export const SAMPLE_RATES = [8000, 16000, 22050, 24000, 32000, 44100, 48000, 96000] as const

/** Colour names recipes may use, and their values. */
export const COLOR_NAMES: Readonly<Record<string, string>> = {
  black: '#000000',
  white: '#ffffff',
  gray: '#808080',
  grey: '#808080',
  silver: '#c0c0c0',
  red: '#ff0000',
  maroon: '#800000',
  orange: '#ffa500',
  yellow: '#ffff00',
  olive: '#808000',
  lime: '#00ff00',
  green: '#008000',
  cyan: '#00ffff',
  teal: '#008080',
  blue: '#0000ff',
  navy: '#000080',
  magenta: '#ff00ff',
  purple: '#800080',
  pink: '#ffc0cb',
  brown: '#a52a2a',
  transparent: '#00000000'
}

const HEX_COLOR = /^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/

/** A colour name or `#RRGGBB[AA]`, normalized to lower-case hex (so `red` and `#FF0000` plan alike). */
export function color (description: string) {
  return z.string()
    .max(9)
    .refine(value => HEX_COLOR.test(value) || Object.hasOwn(COLOR_NAMES, value), {
      message: `must be #RRGGBB, #RRGGBBAA or one of ${Object.keys(COLOR_NAMES).join(', ')}`
    })
    .transform(value => COLOR_NAMES[value] ?? value.toLowerCase())
    .meta({ description, docType: 'colour' })
}

export function seconds (description: string, min = 0, max = MAX_SECONDS) {
  return z.number().min(min).max(max).meta({ description })
}

/** A strictly positive duration in seconds. */
export function duration (description: string, max = MAX_SECONDS) {
  return z.number().positive().max(max).meta({ description })
}

/** Frame sizes are even: the intermediate format is yuv420p. */
export function evenSize (description: string, min = 16, max = MAX_SIZE) {
  return z.number().int().min(min).max(max).multipleOf(2).meta({ description })
}

export function frameRate (description: string) {
  return z.number().min(1).max(240).meta({ description })
}

export const ANCHORS = ['top-left', 'top', 'top-right', 'left', 'center', 'right', 'bottom-left', 'bottom', 'bottom-right'] as const

/** Placement fields shared by `overlay` and `text`. */
export function placementFields (defaultAnchor: typeof ANCHORS[number]) {
  return {
    anchor: z.enum(ANCHORS).default(defaultAnchor).meta({ description: 'Which point of the frame the item is placed against.' }),
    margin: z.number().int().min(0).max(MAX_SIZE).default(0).meta({ description: 'Distance in pixels from the anchored edges (ignored on a centred axis).' }),
    x: z.number().int().min(-MAX_SIZE).max(MAX_SIZE).default(0).meta({ description: 'Horizontal shift in pixels after anchoring (positive: right).' }),
    y: z.number().int().min(-MAX_SIZE).max(MAX_SIZE).default(0).meta({ description: 'Vertical shift in pixels after anchoring (positive: down).' })
  }
}

/** A time window within the clip, in seconds. */
export function windowFields (what: string) {
  return {
    start: seconds(`When ${what} appears, in seconds from the start of the clip.`).default(0),
    end: seconds(`When ${what} disappears, in seconds; absent: at the end of the clip.`).optional()
  }
}

/** Checks `end > start` for objects built with windowFields(). */
export function checkWindow (value: { start: number, end?: number | undefined }, ctx: z.RefinementCtx): void {
  if (value.end != null && value.end <= value.start) {
    ctx.addIssue({ code: 'custom', path: ['end'], message: `must be after start (${value.start})` })
  }
}

// Control characters other than a line break: they have no place in a caption and have broken parsers before.
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/

// Filtergraph syntax: a `;` or `,` then `name=` (a new filter with options), or a `[label]` then `name=`.
// The text never reaches a filtergraph (drawtext reads it from a file), so this is defence in depth, and
// it makes an injection attempt such as `';movie=/etc/passwd'` a clear error naming the field.
const FILTERGRAPH_SYNTAX = /[;,]\s*[A-Za-z_]\w*\s*=|\[[\w:.]+\]\s*[A-Za-z_]\w*\s*=/

/** Free text shown in a frame: written to a file for drawtext, never put into a filtergraph. */
export function displayText (description: string, max = 1000) {
  return z.string()
    .min(1)
    .max(max)
    .refine(value => !CONTROL.test(value), { message: 'must not contain control characters (line breaks are allowed)' })
    .refine(value => !value.includes('%{'), { message: 'must not contain "%{" (text expansion is not supported)' })
    .superRefine((value, ctx) => {
      const found = FILTERGRAPH_SYNTAX.exec(value)
      if (found != null) ctx.addIssue({ code: 'custom', message: `must not contain filtergraph syntax ("${found[0]}"): text is drawn as written and recipes carry no filters` })
    })
    .refine(value => value.isWellFormed(), { message: 'must be well-formed Unicode' })
    .meta({ description, docType: 'text' })
}
