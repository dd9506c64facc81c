/** Recipes the job benchmarks submit (as parsed documents, the shape POST /v1/jobs takes). */

export type RecipeDoc = Record<string, unknown>

/**
 * The tiniest real step: one 64×64 frame (0.04 s at 25 fps) of grey noise, no
 * audio. `seed` makes each one a distinct computation (its own cache_id) with
 * its own output bytes; `id` names the step (and its workspace, `<id>-…`).
 */
export function tinyGenerateConfig (seed: number): Record<string, unknown> {
  return { pattern: 'noise', seed, duration: 0.04, width: 64, height: 64, fps: 25, audio: 'none' }
}

export function tinyStepRecipe (id: string, seed: number): RecipeDoc {
  return { version: 1, name: 'tiny', nodes: { [id]: { type: 'generate', config: tinyGenerateConfig(seed) } }, output: id }
}

/**
 * `ids.length` tiny independent steps in one job. A recipe has one output, so
 * a `sequence` of all of them is the sink (at most 64 inputs); the benchmark
 * counts the tiny steps, not the sink.
 */
export function manyTinyStepsRecipe (ids: string[], seed: number): RecipeDoc {
  if (ids.length < 2 || ids.length > 64) throw new RangeError('a sequence takes 2 to 64 inputs')
  const nodes: Record<string, unknown> = Object.fromEntries(ids.map((id, i) => [id, { type: 'generate', config: tinyGenerateConfig(seed + i) }]))
  nodes.sink = { type: 'sequence', inputs: ids }
  return { version: 1, name: 'many-tiny', nodes, output: 'sink' }
}

/**
 * Segment-parallel work: one source clip generated once, cut into `segments`
 * parts, each part scaled, sharpened and encoded (x264, CPU-bound), then the
 * encoded parts put in sequence. `salt` (a sine frequency) makes a fresh
 * set of cache_ids for every measurement.
 */
export function segmentParallelRecipe (options: { segments: number, segmentSeconds: number, width: number, height: number, salt: number }): RecipeDoc {
  const { segments, segmentSeconds, width, height, salt } = options
  const nodes: Record<string, unknown> = {
    source: { type: 'generate', config: { pattern: 'testsrc2', duration: segments * segmentSeconds, width, height, fps: 25, audio: 'sine', frequency: salt } }
  }
  const parts: string[] = []
  for (let i = 0; i < segments; i++) {
    nodes[`cut${i}`] = { type: 'segment', inputs: ['source'], config: { start: i * segmentSeconds, duration: segmentSeconds } }
    nodes[`look${i}`] = { type: 'transform', inputs: [`cut${i}`], config: { ops: [{ op: 'scale', width: width * 2, height: height * 2 }, { op: 'color', saturation: 1.3 }] } }
    nodes[`enc${i}`] = { type: 'encode', inputs: [`look${i}`], config: { codec: 'h264', crf: 23, preset: 'medium', container: 'mp4' } }
    parts.push(`enc${i}`)
  }
  nodes.joined = { type: 'sequence', inputs: parts }
  return { version: 1, name: 'segment-parallel', nodes, output: 'joined' }
}
