import { z } from 'zod'

/**
 * The `transcode` step's settings and the configs of the steps it expands
 * into. They live in plan/ (pure) because the expansion reads them; the
 * executors in src/exec/steps/ import the same schemas.
 */

export const VIDEO_CODECS = ['h264', 'hevc', 'vp9', 'av1'] as const
export const AUDIO_CODECS = ['aac', 'opus', 'none'] as const
export const CONTAINERS = ['mp4', 'mkv', 'webm'] as const
export const PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'] as const
export const PIXEL_FORMATS = ['yuv420p', 'yuv422p', 'yuv444p', 'yuv420p10le'] as const
/** `none`: the software encoder (libx264, libx265, libvpx-vp9, libaom-av1), whose bytes are the same on every node. */
export const HARDWARE = ['none', 'nvenc', 'qsv', 'vaapi'] as const

export type VideoCodec = typeof VIDEO_CODECS[number]
export type AudioCodec = typeof AUDIO_CODECS[number]
export type Container = typeof CONTAINERS[number]
export type Hardware = typeof HARDWARE[number]

export const DEFAULT_CRF: Readonly<Record<VideoCodec, number>> = { h264: 23, hevc: 28, vp9: 31, av1: 30 }
export const MAX_CRF: Readonly<Record<VideoCodec, number>> = { h264: 51, hevc: 51, vp9: 63, av1: 63 }
export const CONTAINER_VIDEO: Readonly<Record<Container, readonly VideoCodec[]>> = { mp4: ['h264', 'hevc', 'av1'], mkv: VIDEO_CODECS, webm: ['vp9', 'av1'] }
export const CONTAINER_AUDIO: Readonly<Record<Container, readonly AudioCodec[]>> = { mp4: ['aac', 'none'], mkv: AUDIO_CODECS, webm: ['opus', 'none'] }

/** Hardware encoders per codec, as ffmpeg names them (`h264_nvenc`…). Absent: no such encoder. */
export const HARDWARE_ENCODERS: Readonly<Record<Exclude<Hardware, 'none'>, Partial<Record<VideoCodec, string>>>> = {
  nvenc: { h264: 'h264_nvenc', hevc: 'hevc_nvenc', av1: 'av1_nvenc' },
  qsv: { h264: 'h264_qsv', hevc: 'hevc_qsv', vp9: 'vp9_qsv', av1: 'av1_qsv' },
  vaapi: { h264: 'h264_vaapi', hevc: 'hevc_vaapi', vp9: 'vp9_vaapi', av1: 'av1_vaapi' }
}

/** Every hardware encoder a node may advertise. */
export const KNOWN_HARDWARE_ENCODERS: readonly string[] = Object.values(HARDWARE_ENCODERS).flatMap(byCodec => Object.values(byCodec))

/** Target chunk length: the default and the accepted range, in seconds. */
export const DEFAULT_CHUNK_SECONDS = 10
export const MIN_CHUNK_SECONDS = 1
export const MAX_CHUNK_SECONDS = 600

/**
 * At most this many chunks per transcode (a recipe holds at most 500 nodes and
 * a step reads at most 256 inputs): a longer source gets longer chunks.
 */
export const MAX_CHUNKS = 240

const evenSize = (description: string) => z.number().int().min(16).max(8192).multipleOf(2).meta({ description })

export const transcodeFields = z.strictObject({
  container: z.enum(CONTAINERS).default('mp4').meta({ description: 'File format: `mp4` holds h264, hevc or av1 with aac; `webm` holds vp9 or av1 with opus; `mkv` holds any of them.' }),
  codec: z.enum(VIDEO_CODECS).default('h264').meta({ description: 'Video codec.' }),
  crf: z.number().int().min(0).max(63).optional().meta({
    description: 'Constant quality: lower is better and bigger (h264, hevc: 0–51; vp9, av1: 0–63). Absent: 23 (h264), 28 (hevc), 31 (vp9), 30 (av1). Hardware encoders take it as their constant-quality value.'
  }),
  preset: z.enum(PRESETS).default('medium').meta({ description: "Encoding speed against file size, in x264's terms." }),
  hardware: z.enum(HARDWARE).default('none').meta({ description: '`none`: the software encoder (the same bytes on every node); `nvenc`, `qsv` or `vaapi`: that hardware encoder, and the chunks run only on nodes that advertise it.' }),
  width: evenSize("Output width in pixels (even); absent with `height` given: keeps the aspect ratio; both absent: the source's size.").optional(),
  height: evenSize('Output height in pixels (even); absent with `width` given: keeps the aspect ratio.').optional(),
  pixelFormat: z.enum(PIXEL_FORMATS).default('yuv420p').meta({ description: 'Pixel format; `yuv420p` plays everywhere.' }),
  audioCodec: z.enum(AUDIO_CODECS).optional().meta({ description: 'Audio codec, or `none` to drop the sound. Absent: `opus` for webm, `aac` otherwise. The sound is encoded once for the whole file.' }),
  audioBitrate: z.number().int().min(32).max(512).default(128).meta({ description: 'Audio bitrate in kbit/s.' }),
  faststart: z.boolean().optional().meta({ description: 'mp4 only: put the index first. Absent: true for mp4.' }),
  chunkSeconds: z.number().min(MIN_CHUNK_SECONDS).max(MAX_CHUNK_SECONDS).default(DEFAULT_CHUNK_SECONDS).meta({
    description: `Target chunk length in seconds (${MIN_CHUNK_SECONDS} to ${MAX_CHUNK_SECONDS}); chunks are cut at the source's keyframes, so their lengths vary around it. A source longer than ${MAX_CHUNKS} chunks gets longer ones.`
  })
})

export const transcodeSchema = transcodeFields.superRefine((c, ctx) => {
  if (c.crf != null && c.crf > MAX_CRF[c.codec]) ctx.addIssue({ code: 'custom', path: ['crf'], message: `must be at most ${MAX_CRF[c.codec]} for ${c.codec}` })
  if (!CONTAINER_VIDEO[c.container].includes(c.codec)) ctx.addIssue({ code: 'custom', path: ['codec'], message: `${c.container} cannot hold ${c.codec}; use ${CONTAINER_VIDEO[c.container].join(', ')}` })
  if (c.audioCodec != null && !CONTAINER_AUDIO[c.container].includes(c.audioCodec)) {
    ctx.addIssue({ code: 'custom', path: ['audioCodec'], message: `${c.container} cannot hold ${c.audioCodec}; use ${CONTAINER_AUDIO[c.container].join(', ')}` })
  }
  if (c.faststart === true && c.container !== 'mp4') ctx.addIssue({ code: 'custom', path: ['faststart'], message: 'only applies to mp4' })
  if (c.hardware !== 'none' && HARDWARE_ENCODERS[c.hardware][c.codec] == null) {
    ctx.addIssue({ code: 'custom', path: ['hardware'], message: `${c.hardware} has no ${c.codec} encoder; it has ${Object.keys(HARDWARE_ENCODERS[c.hardware]).join(', ')}` })
  }
}).transform(c => ({
  ...c,
  crf: c.crf ?? DEFAULT_CRF[c.codec],
  audioCodec: c.audioCodec ?? (c.container === 'webm' ? 'opus' as const : 'aac' as const),
  faststart: c.faststart ?? c.container === 'mp4'
}))

export type TranscodeSettings = z.output<typeof transcodeSchema>

/** The video encoder a transcode uses, as ffmpeg names it. */
export function videoEncoderOf (codec: VideoCodec, hardware: Hardware, software: Readonly<Record<VideoCodec, string>>): string {
  if (hardware === 'none') return software[codec]
  const encoder = HARDWARE_ENCODERS[hardware][codec]
  if (encoder == null) throw new TypeError(`${hardware} has no ${codec} encoder`)
  return encoder
}

/** Chunks go into mp4 (exact timestamps in the source's time base) unless the codec needs Matroska. */
export function chunkContainerOf (codec: VideoCodec): 'mp4' | 'mkv' {
  return codec === 'vp9' ? 'mkv' : 'mp4'
}

const rational = (description: string) => z.tuple([z.number().int().min(1).max(2 ** 31), z.number().int().min(1).max(2 ** 31)]).meta({ description })
const ticks = (description: string) => z.number().int().min(-(2 ** 52)).max(2 ** 52).meta({ description })

/** One chunk: the frames whose presentation time is in [startPts, endPts) of the source's video stream. */
export const chunkSchema = z.strictObject({
  codec: z.enum(VIDEO_CODECS).meta({ description: 'Video codec.' }),
  hardware: z.enum(HARDWARE).default('none').meta({ description: 'The hardware encoder, or `none` for the software one.' }),
  crf: z.number().int().min(0).max(63).meta({ description: 'Constant quality.' }),
  preset: z.enum(PRESETS).meta({ description: "Speed against size, in x264's terms." }),
  width: evenSize('Output width.').optional(),
  height: evenSize('Output height.').optional(),
  pixelFormat: z.enum(PIXEL_FORMATS).default('yuv420p').meta({ description: 'Pixel format.' }),
  stream: z.number().int().min(0).max(1023).meta({ description: "The source's video stream (its index in the file)." }),
  timeBase: rational("The video stream's time base, `[num, den]`."),
  startPts: ticks("Presentation time of the chunk's first frame (a clean keyframe), in ticks."),
  endPts: ticks("Presentation time of the next chunk's first frame, in ticks; absent: to the end of the stream.").optional(),
  /** Slack of the frame selection against rounding, in ticks: half the smallest gap between two frames. */
  margin: z.number().int().min(0).max(2 ** 40).meta({ description: 'Slack of the frame selection, in ticks: half the smallest gap between two frames.' }),
  /** Seek (on the input, to the keyframe at startPts) before decoding: false for the first chunk. */
  seek: z.boolean().meta({ description: 'Seek on the input to the keyframe before decoding (false for the first chunk).' }),
  /** Frames the chunk should hold, for progress and the check after encoding. */
  frames: z.number().int().min(0).max(10_000_000).meta({ description: 'Frames the chunk holds.' }),
  index: z.number().int().min(0).max(MAX_CHUNKS).meta({ description: "The chunk's number, from 0." }),
  count: z.number().int().min(1).max(MAX_CHUNKS).meta({ description: 'How many chunks the transcode has.' })
}).superRefine((c, ctx) => {
  if (c.endPts != null && c.endPts <= c.startPts) ctx.addIssue({ code: 'custom', path: ['endPts'], message: `must be after startPts (${c.startPts})` })
  if (c.index >= c.count) ctx.addIssue({ code: 'custom', path: ['index'], message: `must be below count (${c.count})` })
  if (c.hardware !== 'none' && HARDWARE_ENCODERS[c.hardware][c.codec] == null) ctx.addIssue({ code: 'custom', path: ['hardware'], message: `${c.hardware} has no ${c.codec} encoder` })
})

export type ChunkConfig = z.output<typeof chunkSchema>

/**
 * The sound copied out of a transcode's source, next to its analysis (where
 * the source is): the audio stream, without re-encoding, into NUT, which keeps
 * the stream's own time base and its packets' side data (priming, pre-skip),
 * so decoding it gives exactly the samples the source gives. Its timestamps
 * are the source's moved `SOUND_OFFSET_S` later (NUT takes no negative time;
 * a source's priming and edit lists make some). The sound step reads this copy,
 * a few percent of the source, instead of every block of the source.
 */
export const SOUND_OFFSET_S = 100_000

/**
 * Audio codecs whose stream copy into NUT decodes to exactly the samples the
 * source gives on the sound step's timeline (checked with the bundled ffmpeg,
 * from mp4, Matroska, MPEG-TS and mov, with sound on all or part of the
 * video). Not Opus (the copy loses the trimming of its last frame) nor MP3
 * (from mp4 its copy does not decode): their sound is read from the source.
 */
export const SOUND_COPY_CODECS: ReadonlySet<string> = new Set([
  'aac',
  'mp2',
  'ac3',
  'eac3',
  'dts',
  'flac',
  'vorbis',
  'pcm_s16le',
  'pcm_s16be',
  'pcm_s24le',
  'pcm_s24be',
  'pcm_f32le'
])

export const soundSchema = z.strictObject({
  stream: z.number().int().min(0).max(1023).meta({ description: "The source's audio stream (its index in the file)." })
})

export type SoundConfig = z.output<typeof soundSchema>

/** The sound of the whole file, once, on the video's timeline: [startPts, endPts) of the video stream → [0, duration). */
export const audioSchema = z.strictObject({
  codec: z.enum(['aac', 'opus']).meta({ description: 'Audio codec.' }),
  bitrate: z.number().int().min(32).max(512).meta({ description: 'Bitrate in kbit/s.' }),
  stream: z.number().int().min(0).max(1023).meta({ description: "The input's audio stream (its index in the file): the source's, or 0 in the sound copied out of it." }),
  timeBase: rational("The video stream's time base, `[num, den]`."),
  startPts: ticks("When the video starts, in ticks: the sound's time 0."),
  endPts: ticks('When the video ends, in ticks: the sound ends there too.'),
  offsetS: z.literal(SOUND_OFFSET_S).optional().meta({
    description: `The input is the sound copied out of the source (\`transcode_sound\`), whose timestamps are the source's plus this many seconds (${SOUND_OFFSET_S}). Absent: the input is the source.`
  })
}).superRefine((c, ctx) => {
  if (c.endPts <= c.startPts) ctx.addIssue({ code: 'custom', path: ['endPts'], message: `must be after startPts (${c.startPts})` })
})

export type AudioConfig = z.output<typeof audioSchema>

/** Joins the chunks (stream copy, in order) and the sound into the delivery file. */
export const joinSchema = z.strictObject({
  container: z.enum(CONTAINERS).meta({ description: 'File format of the result.' }),
  faststart: z.boolean().meta({ description: 'mp4: put the index first.' }),
  timeBase: rational("The video stream's time base, `[num, den]`."),
  durations: z.array(z.number().int().min(1).max(2 ** 52)).min(1).max(MAX_CHUNKS).meta({ description: "Each chunk's length in ticks, in order; the chunks are the first inputs." }),
  audio: z.boolean().meta({ description: 'Whether the last input is the sound.' }),
  frames: z.number().int().min(0).max(10_000_000).meta({ description: 'Frames the result holds.' })
})

export type JoinConfig = z.output<typeof joinSchema>
