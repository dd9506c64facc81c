/**
 * Helpers that turn validated numbers and enums into filtergraph text. Nothing
 * here accepts free text: every value that reaches a filtergraph passes
 * through one of these, so no recipe value can add a filter or an option.
 */

/** A finite number as plain decimal text (no exponent), at most `decimals` places. */
export function num (value: number, decimals = 6): string {
  if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`)
  const fixed = value.toFixed(decimals)
  const trimmed = fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed
  return trimmed === '-0' ? '0' : trimmed
}

/** An integer as text; throws on anything else (a bug: schemas only let integers through). */
export function int (value: number): string {
  if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer: ${value}`)
  return String(value)
}

/** `#RRGGBB[AA]` (already normalized by the schema) → ffmpeg's `0xRRGGBBAA`. */
export function ffColor (hex: string): string {
  const match = /^#([0-9a-f]{6})([0-9a-f]{2})?$/.exec(hex)
  if (match?.[1] == null) throw new TypeError(`not a normalized colour: ${hex}`)
  return `0x${match[1]}${match[2] ?? 'ff'}`
}

/** The alpha of a normalized colour, 0…1. */
export function colorAlpha (hex: string): number {
  return hex.length === 9 ? parseInt(hex.slice(7), 16) / 255 : 1
}

export type Anchor = 'top-left' | 'top' | 'top-right' | 'left' | 'center' | 'right' | 'bottom-left' | 'bottom' | 'bottom-right'

/** Variable names of the frame and of the placed thing, as the filter calls them. */
export interface PlacementVars {
  frameW: string
  frameH: string
  itemW: string
  itemH: string
}

export const OVERLAY_VARS: PlacementVars = { frameW: 'main_w', frameH: 'main_h', itemW: 'overlay_w', itemH: 'overlay_h' }
export const DRAWTEXT_VARS: PlacementVars = { frameW: 'w', frameH: 'h', itemW: 'text_w', itemH: 'text_h' }

/** x/y expressions placing an item at an anchor, `margin` in from the edges, then moved by (dx, dy). */
export function placement (anchor: Anchor, margin: number, dx: number, dy: number, vars: PlacementVars): { x: string, y: string } {
  const col = anchor.endsWith('left') ? 'left' : anchor.endsWith('right') ? 'right' : 'center'
  const row = anchor.startsWith('top') ? 'top' : anchor.startsWith('bottom') ? 'bottom' : 'center'
  const m = int(margin)
  const x = col === 'left' ? m : col === 'right' ? `${vars.frameW}-${vars.itemW}-${m}` : `(${vars.frameW}-${vars.itemW})/2`
  const y = row === 'top' ? m : row === 'bottom' ? `${vars.frameH}-${vars.itemH}-${m}` : `(${vars.frameH}-${vars.itemH})/2`
  return { x: `${x}+(${int(dx)})`, y: `${y}+(${int(dy)})` }
}

/** A timeline `enable` option for a window in seconds; empty when the window is the whole clip. */
export function enableWindow (start: number, end: number | undefined): string {
  if (end != null) return `:enable='between(t,${num(start)},${num(end)})'`
  if (start > 0) return `:enable='gte(t,${num(start)})'`
  return ''
}

/** atempo accepts 0.5…2 per instance (in older ffmpeg): chain instances for other factors. */
export function atempoChain (factor: number): string[] {
  const parts: string[] = []
  let rest = factor
  while (rest > 2) {
    parts.push('atempo=2')
    rest /= 2
  }
  while (rest < 0.5) {
    parts.push('atempo=0.5')
    rest /= 0.5
  }
  parts.push(`atempo=${num(rest, 9)}`)
  return parts
}

/** Largest even number ≤ n (yuv420p needs even sizes). */
export function evenFloor (n: number): number {
  return Math.max(2, Math.floor(n / 2) * 2)
}
