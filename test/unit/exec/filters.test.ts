import { describe, expect, it } from 'vitest'
import { atempoChain, enableWindow, ffColor, num, placement, DRAWTEXT_VARS, OVERLAY_VARS } from '../../../src/exec/filters.ts'

describe('filtergraph values', () => {
  it('writes numbers as plain decimals, never in exponent form', () => {
    expect(num(1e-7, 9)).toBe('0.0000001')
    expect(num(2)).toBe('2')
    expect(num(-0)).toBe('0')
    expect(num(1.23456789)).toBe('1.234568')
    expect(() => num(Number.NaN)).toThrow(TypeError)
  })

  it('accepts only normalized hex colours', () => {
    expect(ffColor('#ff0000')).toBe('0xff0000ff')
    expect(ffColor('#00000080')).toBe('0x00000080')
    expect(() => ffColor('red:x=1')).toThrow(TypeError)
  })

  it('places items against anchors with margins and shifts', () => {
    expect(placement('bottom-right', 16, 0, -4, OVERLAY_VARS)).toEqual({ x: 'main_w-overlay_w-16+(0)', y: 'main_h-overlay_h-16+(-4)' })
    expect(placement('center', 10, 5, 0, DRAWTEXT_VARS)).toEqual({ x: '(w-text_w)/2+(5)', y: '(h-text_h)/2+(0)' })
    expect(placement('top-left', 0, 0, 0, OVERLAY_VARS)).toEqual({ x: '0+(0)', y: '0+(0)' })
  })

  it('writes time windows as enable expressions, or nothing for the whole clip', () => {
    expect(enableWindow(0, undefined)).toBe('')
    expect(enableWindow(1.5, undefined)).toBe(":enable='gte(t,1.5)'")
    expect(enableWindow(0.5, 2)).toBe(":enable='between(t,0.5,2)'")
  })

  it('chains atempo so each stays within 0.5–2 and the product is the factor', () => {
    for (const factor of [0.25, 0.3, 0.5, 1, 1.7, 3, 4]) {
      const parts = atempoChain(factor).map(part => Number(part.split('=')[1]))
      for (const p of parts) expect(p).toBeGreaterThanOrEqual(0.5 - 1e-9)
      for (const p of parts) expect(p).toBeLessThanOrEqual(2 + 1e-9)
      expect(parts.reduce((a, b) => a * b, 1)).toBeCloseTo(factor, 8)
    }
  })
})
