import { z } from 'zod'
import { DRAWTEXT_VARS, enableWindow, ffColor, int, placement } from '../filters.ts'
import { INTERMEDIATE_FORMAT, intermediateCodecArgs, toIntermediateVideo } from '../intermediate.ts'
import type { StepExecutor } from '../step.ts'
import { checkWindow, color, displayText, placementFields, windowFields } from './common.ts'
import { input, requireVideo } from './inputs.ts'

/** The text goes to this file in the workspace and drawtext reads it: the text never enters the filtergraph. */
export const TEXT_FILE = 'text.txt'

export const textSchema = z.strictObject({
  text: displayText('The text to draw; line breaks start new lines. Shown literally (no `%{…}` expansion).'),
  size: z.number().int().min(4).max(512).default(48).meta({ description: 'Font size in pixels.' }),
  color: color('Text colour (`#RRGGBBAA` for translucent text).').prefault('white'),
  ...placementFields('bottom'),
  lineSpacing: z.number().int().min(-64).max(256).default(0).meta({ description: 'Extra space between lines in pixels.' }),
  box: z.boolean().default(false).meta({ description: 'Draw a box behind the text.' }),
  boxColor: color('Colour of the box.').prefault('#00000080'),
  boxPadding: z.number().int().min(0).max(256).default(8).meta({ description: 'Space between the text and the edge of the box, in pixels.' }),
  borderWidth: z.number().int().min(0).max(32).default(0).meta({ description: 'Width of an outline around the letters in pixels; 0 for none.' }),
  borderColor: color('Colour of the outline.').prefault('black'),
  ...windowFields('the text')
}).superRefine(checkWindow)

export type TextConfig = z.output<typeof textSchema>

export const textStep: StepExecutor<TextConfig> = {
  type: 'text',
  version: '1',
  description: "Draws text over a clip with the node's font (Open Sans Regular unless configured), optionally in a box or with an outline, optionally only for a time window.",
  inputs: { min: 1, max: 1 },
  schema: textSchema,
  output: () => ({ kind: 'media', extension: INTERMEDIATE_FORMAT.extension }),
  probe: () => 'streams',
  usesFont: true,
  plan (c, ctx) {
    const src = input(ctx.inputs, 0)
    const video = requireVideo('text', ctx.inputs, 0)
    const { x, y } = placement(c.anchor, c.margin, c.x, c.y, DRAWTEXT_VARS)
    // File names are this module's constants: nothing from the recipe but numbers and colours reaches the graph.
    const options = [
      `fontfile=${ctx.fontFile}`,
      `textfile=${TEXT_FILE}`,
      'expansion=none',
      `fontsize=${int(c.size)}`,
      `fontcolor=${ffColor(c.color)}`,
      `line_spacing=${int(c.lineSpacing)}`,
      `x=${x}`,
      `y=${y}`
    ]
    if (c.box) options.push('box=1', `boxcolor=${ffColor(c.boxColor)}`, `boxborderw=${int(c.boxPadding)}`)
    if (c.borderWidth > 0) options.push(`borderw=${int(c.borderWidth)}`, `bordercolor=${ffColor(c.borderColor)}`)
    const drawtext = `drawtext=${options.join(':')}${enableWindow(c.start, c.end)}`
    const audio = src.info.audio != null
    return {
      kind: 'ffmpeg',
      expectedDurationS: src.info.still ? null : src.info.durationS,
      files: [{ name: TEXT_FILE, content: c.text }],
      commands: [{
        inputs: [{ file: src.file }],
        filterComplex: toIntermediateVideo('0:v:0', [drawtext], 'v', video),
        auxFiles: [TEXT_FILE, ctx.fontFile],
        output: {
          file: ctx.output,
          options: ['-map', '[v]', ...(audio ? ['-map', '0:a:0'] : []), ...intermediateCodecArgs({ video: true, audio })]
        }
      }]
    }
  }
}
