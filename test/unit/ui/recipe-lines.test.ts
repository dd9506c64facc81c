import { describe, expect, it } from 'vitest'
import { inputsOf, layoutJob } from '../../../ui/src/graph.ts'
import { errorLines, lineOfPath, parseFieldPath, parseRecipeText } from '../../../ui/src/recipe-lines.ts'

const TEXT = `version: 1
name: demo
inputs:
  clip: ./clip.mp4
nodes:
  part:
    type: segment
    inputs: [clip]
    config:
      start: -2
      duration: 3
  "odd name": { type: encode, inputs: [part, clip], config: { codec: h264 } }
output: part
`

function parsed () {
  const result = parseRecipeText(TEXT)
  if (!result.ok) throw new Error('does not parse')
  return result
}

describe('recipe errors at their lines (the page)', () => {
  it('reads the planner field paths', () => {
    expect(parseFieldPath('nodes.part.config.start')).toEqual(['nodes', 'part', 'config', 'start'])
    expect(parseFieldPath('nodes.out.inputs[1]')).toEqual(['nodes', 'out', 'inputs', 1])
    expect(parseFieldPath('nodes["odd name"].type')).toEqual(['nodes', 'odd name', 'type'])
  })

  it('finds the line of a value, of a list item, and of the nearest parent of a missing key', () => {
    const { doc, lines } = parsed()
    expect(lineOfPath(doc, lines, ['nodes', 'part', 'config', 'start'])).toBe(10)
    expect(lineOfPath(doc, lines, ['nodes', 'odd name', 'inputs', 1])).toBe(12)
    expect(lineOfPath(doc, lines, ['nodes', 'part', 'config', 'missing'])).toBe(9)
    expect(lineOfPath(doc, lines, ['inputs', 'clip'])).toBe(4)
  })

  it('maps a daemon error, or each of its issues, to lines; syntax errors come with theirs', () => {
    const p = parsed()
    expect(errorLines(p, { name: 'StepConfigError', message: 'nodes.part.config.start: too small', details: { node: 'part', field: 'nodes.part.config.start' } }))
      .toEqual([{ line: 10, message: 'nodes.part.config.start: too small', name: 'StepConfigError' }])
    expect(errorLines(p, { name: 'RecipeSchemaError', message: 'two', details: { issues: [{ name: 'A', message: 'a', field: 'output' }, { name: 'B', message: 'b', field: 'nodes.part.type' }] } }).map(e => e.line))
      .toEqual([13, 7])
    const bad = parseRecipeText('version: 1\nname: x\nname: y\n')
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.errors[0]?.line).toBe(3)
  })

  it('draws the DAG from the recipe: inputs as sources, an edge per input', () => {
    const reads = inputsOf(parsed().value)
    expect(reads.get('odd name')).toEqual(['part', 'clip'])
    const step = (id: string) => ({ step: id, type: 't', cacheId: id, state: 'pending' as const, peer: null, attempts: 0, durationMs: null, cached: false, cid: null, error: null })
    const graph = layoutJob([step('part'), step('odd name')], reads, { clip: 'bafy' })
    expect(graph.nodes.map(n => [n.id, n.state])).toEqual([['part', 'pending'], ['odd name', 'pending'], ['clip', 'input']])
    expect(graph.edges.map(e => `${e.from}>${e.to}`).sort()).toEqual(['clip>odd name', 'clip>part', 'part>odd name'])
    const x = new Map(graph.nodes.map(n => [n.id, n.x]))
    expect(x.get('clip')!).toBeLessThan(x.get('part')!)
    expect(x.get('part')!).toBeLessThan(x.get('odd name')!)
  })
})
