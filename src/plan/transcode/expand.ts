import { createHash } from 'node:crypto'
import type { Recipe, RecipeNode } from '../schema.ts'
import { transcodeFactsSchema } from './analysis.ts'
import type { TranscodeFacts } from './analysis.ts'
import { chooseChunks } from './cuts.ts'
import type { Chunk } from './cuts.ts'
import { ExpansionConflictError, TranscodeInputError, TranscodeSourceError } from './errors.ts'
import { MAX_CHUNKS, SOUND_COPY_CODECS, SOUND_OFFSET_S, transcodeSchema } from './settings.ts'
import type { AudioConfig, ChunkConfig, JoinConfig, TranscodeSettings } from './settings.ts'
import { present } from '../../defined.ts'
import { AUDIO_TYPE, CHUNK_TYPE, JOIN_TYPE, TRANSCODE_TYPE } from './step-types.ts'

/**
 * The expansion of `transcode` nodes: pure and deterministic. From the
 * transcode's settings and its source's analysis it writes chunk steps (each
 * encodes the frames between two clean keyframes), one audio step (the sound
 * of the whole file, encoded once, from the sound copied out of the source
 * next to the analysis when there is one) and a join step that takes the
 * transcode's node id, so whatever read the transcode now reads the join.
 * The analysis's CID (and the sound's) becomes a recipe input, so the plan_id
 * covers it. The step types' names are in step-types.ts (the progress reads them too).
 */

/** A transcode node and the recipe input it reads. */
export interface TranscodeTarget {
  node: string
  input: string
}

/**
 * The analysis of one transcode's source: its CID (a recipe input from now on)
 * and its facts; and the CID of the sound copied out of the source next to it
 * (`transcode_sound`, when soundToCopy() named a stream and the copy was
 * made), which the sound step then reads instead of the source.
 */
export interface TranscodeAnalysis {
  cid: string
  facts: unknown
  sound?: string | undefined
}

/** Ids keep to the recipe's rule (at most 64 characters): a long node id is shortened with a hash. */
function prefixOf (node: string): string {
  if (node.length <= 48) return node
  return `${node.slice(0, 39)}-${createHash('sha3-256').update(node).digest('hex').slice(0, 8)}`
}

export function expansionIds (node: string, chunks: number): { chunks: string[], audio: string, analysis: string, sound: string } {
  const prefix = prefixOf(node)
  return {
    chunks: Array.from({ length: chunks }, (_, i) => `${prefix}-chunk-${String(i).padStart(3, '0')}`),
    audio: `${prefix}-audio`,
    analysis: `${prefix}-analysis`,
    sound: `${prefix}-sound`
  }
}

/**
 * The transcode nodes of a recipe (in document order) with the input each
 * reads. A transcode that reads another node is refused: its source does not
 * exist before the job runs, so it cannot be analysed before planning.
 */
export function findTranscodes (recipe: Recipe): TranscodeTarget[] {
  const targets: TranscodeTarget[] = []
  for (const [id, node] of Object.entries(recipe.nodes)) {
    if (node.type !== TRANSCODE_TYPE) continue
    const source = node.inputs[0] as string
    if (!Object.hasOwn(recipe.inputs, source)) {
      throw new TranscodeInputError(
        `nodes.${id}.inputs[0]: transcode ${id} reads "${source}", a node of this recipe; a transcode must read a recipe input for now, because its source is analysed before the job is planned and the output of ${source} does not exist yet (use encode for it, or render ${source} first and transcode its CID)`,
        { node: id, field: `nodes.${id}.inputs[0]`, source }
      )
    }
    targets.push({ node: id, input: source })
  }
  return targets
}

export function parseFacts (node: string, facts: unknown): TranscodeFacts {
  const parsed = transcodeFactsSchema.safeParse(facts)
  if (!parsed.success) {
    throw new TranscodeSourceError(`nodes.${node}: the analysis of its source is not a media analysis (${parsed.error.issues[0]?.message ?? 'bad shape'}); it was made by another artdag version or is corrupt`, { node })
  }
  return parsed.data
}

/** Output size: the settings' width/height, the other side keeping the aspect ratio, even; absent when unchanged. */
function outputSize (settings: TranscodeSettings, source: { width: number, height: number }): { width?: number, height?: number } {
  let width = settings.width ?? source.width
  let height = settings.height ?? source.height
  if (settings.width != null && settings.height == null) height = Math.max(2, Math.round(source.height * settings.width / source.width / 2) * 2)
  if (settings.height != null && settings.width == null) width = Math.max(2, Math.round(source.width * settings.height / source.height / 2) * 2)
  width = Math.max(2, Math.floor(width / 2) * 2)
  height = Math.max(2, Math.floor(height / 2) * 2)
  return width === source.width && height === source.height ? {} : { width, height }
}

/** The source's audio stream a transcode encodes, if any: facts and settings say whether there is sound to encode. */
function soundOf (settings: TranscodeSettings, facts: TranscodeFacts): NonNullable<TranscodeFacts['audio']> | undefined {
  return facts.audio != null && settings.audioCodec !== 'none' && facts.video?.timestamps === true ? facts.audio : undefined
}

/**
 * The audio stream to copy out of a transcode's source next to its analysis
 * (`transcode_sound`), or undefined: none when the transcode encodes no sound,
 * or when the stream's codec does not copy into NUT exactly (SOUND_COPY_CODECS;
 * the sound step then reads the source). Deterministic: the settings and the
 * analysis decide.
 */
export function soundToCopy (target: TranscodeTarget, config: unknown, facts: unknown): number | undefined {
  const settings = transcodeSchema.safeParse(config)
  if (!settings.success) return undefined
  const audio = soundOf(settings.data, parseFacts(target.node, facts))
  return audio != null && copies(audio) ? audio.stream : undefined
}

function copies (audio: NonNullable<TranscodeFacts['audio']>): boolean {
  return audio.codec != null && SOUND_COPY_CODECS.has(audio.codec)
}

export interface ExpandedTranscode {
  nodes: Record<string, RecipeNode>
  inputs: Record<string, string>
  chunks: Chunk[]
}

/** One transcode node → its chunk, audio and join nodes, and the analysis input. */
export function expandTranscode (target: TranscodeTarget, config: unknown, analysis: TranscodeAnalysis): ExpandedTranscode {
  const settingsResult = transcodeSchema.safeParse(config)
  if (!settingsResult.success) throw new TranscodeSourceError(`nodes.${target.node}.config: ${settingsResult.error.issues[0]?.message ?? 'invalid'}`, { node: target.node })
  const settings = settingsResult.data
  const facts = parseFacts(target.node, analysis.facts)
  const video = facts.video
  if (video == null || video.frames === 0) {
    throw new TranscodeSourceError(`nodes.${target.node}: input ${target.input} has no video stream (${facts.format.name}); transcode encodes a video: use encode for sound alone`, { node: target.node, input: target.input })
  }
  if (video.timestamps && video.endPts <= video.startPts) {
    throw new TranscodeSourceError(`nodes.${target.node}: the video of input ${target.input} has no duration`, { node: target.node, input: target.input })
  }

  const chunks = chooseChunks(video, settings.chunkSeconds, MAX_CHUNKS)
  const ids = expansionIds(target.node, chunks.length)
  const size = outputSize(settings, video)
  const nodes: Record<string, RecipeNode> = {}
  chunks.forEach((chunk, i) => {
    const config: ChunkConfig = {
      codec: settings.codec,
      hardware: settings.hardware,
      crf: settings.crf,
      preset: settings.preset,
      ...size,
      pixelFormat: settings.pixelFormat,
      stream: video.stream,
      timeBase: video.timeBase,
      startPts: chunk.startPts,
      ...present({ endPts: chunk.endPts }),
      margin: Math.floor(video.minFrameTicks / 2),
      // Seeking trims at the microsecond: exact only when a tick is longer than 2 µs.
      seek: i > 0 && video.timeBase[1] / video.timeBase[0] <= 500_000,
      frames: chunk.frames,
      index: i,
      count: chunks.length
    }
    nodes[ids.chunks[i] as string] = { type: CHUNK_TYPE, inputs: [target.input], config: { ...config } }
  })

  const audio = soundOf(settings, facts)
  const withAudio = audio != null
  const inputs: Record<string, string> = { [ids.analysis]: analysis.cid }
  if (audio != null && settings.audioCodec !== 'none') {
    // The sound copied out of the source next to the analysis, when it was: a few percent of the source.
    const copied = analysis.sound != null && copies(audio)
    const audioConfig: AudioConfig = {
      codec: settings.audioCodec,
      bitrate: settings.audioBitrate,
      stream: copied ? 0 : audio.stream,
      timeBase: video.timeBase,
      startPts: video.startPts,
      endPts: video.endPts,
      ...(copied ? { offsetS: SOUND_OFFSET_S } : {})
    }
    nodes[ids.audio] = { type: AUDIO_TYPE, inputs: [copied ? ids.sound : target.input], config: { ...audioConfig } }
    if (copied) inputs[ids.sound] = analysis.sound as string
  }

  const join: JoinConfig = {
    container: settings.container,
    faststart: settings.faststart,
    timeBase: video.timeBase,
    durations: chunks.map(c => c.durationTicks),
    audio: withAudio,
    frames: video.frames
  }
  nodes[target.node] = { type: JOIN_TYPE, inputs: [...ids.chunks, ...(withAudio ? [ids.audio] : [])], config: { ...join } }
  return { nodes, inputs, chunks }
}

/**
 * The recipe with every transcode node expanded. `analyses` holds each
 * transcode's analysis by node id. The result is a plain recipe: any node
 * plans it the same way, and its chunks are ordinary steps.
 */
export function expandRecipe (recipe: Recipe, analyses: ReadonlyMap<string, TranscodeAnalysis>): Recipe {
  const targets = findTranscodes(recipe)
  if (targets.length === 0) return recipe
  const nodes: Record<string, RecipeNode> = {}
  const inputs: Record<string, string> = { ...recipe.inputs }
  const expanded = new Map<string, ExpandedTranscode>()
  for (const target of targets) {
    const analysis = analyses.get(target.node)
    if (analysis == null) throw new TypeError(`no analysis for transcode node ${target.node}`)
    expanded.set(target.node, expandTranscode(target, (recipe.nodes[target.node] as RecipeNode).config, analysis))
  }
  const taken = new Set([...Object.keys(recipe.nodes), ...Object.keys(recipe.inputs)])
  for (const [id, node] of Object.entries(recipe.nodes)) {
    const expansion = expanded.get(id)
    if (expansion == null) {
      nodes[id] = node
      continue
    }
    for (const [newId, newNode] of Object.entries(expansion.nodes)) {
      if (newId !== id && (taken.has(newId) || Object.hasOwn(nodes, newId))) {
        throw new ExpansionConflictError(`nodes.${newId}: the expansion of transcode ${id} needs the id "${newId}", which the recipe already uses; rename that node or input`, { node: id, id: newId })
      }
      nodes[newId] = newNode
    }
    for (const [name, cid] of Object.entries(expansion.inputs)) {
      if (taken.has(name) || Object.hasOwn(nodes, name)) {
        throw new ExpansionConflictError(`inputs.${name}: the expansion of transcode ${id} needs the input name "${name}", which the recipe already uses; rename it`, { node: id, id: name })
      }
      inputs[name] = cid
    }
  }
  return { ...recipe, inputs, nodes }
}
