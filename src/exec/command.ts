/**
 * An ffmpeg invocation as data. Step builders return a FfmpegCommand; only
 * renderArgs() turns it into argv, adding the flags every run needs (quiet
 * logging, machine-readable progress, input whitelists, reproducible output).
 * Keeping inputs and outputs as named fields lets the runner check every path
 * against the workspace before anything starts.
 */
export interface CommandInput {
  /** A file name relative to the workspace, or a loopback URL from the engine's range server (see isLoopbackUrl). */
  file: string
  /** Options placed before `-i` (e.g. `-ss 1.5`), built from validated numbers only. */
  options?: string[]
  /**
   * `concat`: the file is a concat list the executor wrote itself (the join of
   * chunks). Its entries may only name workspace files of the whitelisted formats.
   */
  demuxer?: 'concat'
}

export interface FfmpegCommand {
  inputs: CommandInput[]
  /** A filtergraph built from validated numbers and enums only, never from recipe text. */
  filterComplex?: string | undefined
  /** Other files the filtergraph reads (text files, the font), relative to the workspace. */
  auxFiles?: string[] | undefined
  output: {
    /** A file name relative to the workspace. */
    file: string
    /** Maps, codecs and muxer options. */
    options: string[]
  }
}

/**
 * Protocols an input may use: plain files only. The whitelist also binds
 * nested opens, so a playlist smuggled in as an input cannot reach the network.
 */
export const INPUT_PROTOCOL_WHITELIST = 'file'

/**
 * Demuxers an input may use. Playlist and reference formats (hls, concat,
 * dash, …) are left out on purpose: they would let a hostile input file read
 * other local files into the output.
 */
export const INPUT_FORMAT_WHITELIST = [
  'matroska',
  'mov',
  // The sound a transcode copies out of its source (transcode_sound).
  'nut',
  'avi',
  'mpegts',
  'mpeg',
  'flv',
  'ogg',
  'wav',
  'w64',
  'aiff',
  'flac',
  'mp3',
  'aac',
  'png_pipe',
  'jpeg_pipe',
  'webp_pipe',
  'bmp_pipe',
  'tiff_pipe',
  'gif'
].join(',')

/** Scaler flags for every scale in a graph (including ones ffmpeg inserts): bit-exact across CPUs. */
export const SWS_FLAGS = 'bicubic+accurate_rnd+full_chroma_int+bitexact'

/**
 * Encoder threads when the node leaves `threads` at 0: x264's output depends
 * on its thread count, so a fixed count keeps bytes identical on every node.
 */
export const DEFAULT_ENCODER_THREADS = 4

export interface RenderArgsOptions {
  /** ffmpeg -threads. 0: decoders and filters choose; encoders use DEFAULT_ENCODER_THREADS. */
  threads?: number | undefined
}

/** Flags that keep output bytes a function of the inputs and config only. */
export const REPRODUCIBLE_OUTPUT_FLAGS = ['-map_metadata', '-1', '-map_chapters', '-1', '-fflags', '+bitexact', '-flags:v', '+bitexact', '-flags:a', '+bitexact']

/** Protocols a loopback URL input may use: ffmpeg's http client over tcp, nothing else. */
export const URL_PROTOCOL_WHITELIST = 'http,tcp'

const LOOPBACK_URL = /^http:\/\/127\.0\.0\.1:\d{1,5}\/[A-Za-z0-9_-]+\/[A-Za-z0-9]+$/

/**
 * An input served by the engine's range server on 127.0.0.1 (a chunk reads
 * only the byte ranges it needs). Nothing else that looks like a URL is one:
 * every other input name is a workspace path.
 */
export function isLoopbackUrl (name: string): boolean {
  return LOOPBACK_URL.test(name)
}

/** `file:` makes ffmpeg treat any name as a plain path, never as a protocol URL; loopback URLs pass as they are. */
export function fileUrl (name: string): string {
  return isLoopbackUrl(name) ? name : `file:${name}`
}

/**
 * Input options of a loopback URL: the range server answers a read one page
 * at a time and closes the connection (src/engine/range-server.ts); ffmpeg
 * asks for the next page from where it stopped (`-reconnect 1`), and gives up
 * on a page that fails twice (`-reconnect_delay_max 2`: retries after 0 and
 * 1 s) instead of retrying for minutes.
 */
export const URL_INPUT_OPTIONS: readonly string[] = ['-reconnect', '1', '-reconnect_delay_max', '2']

/** The options an input needs to be read: URL_INPUT_OPTIONS for a loopback URL, none for a file. */
export function inputReadOptions (name: string): readonly string[] {
  return isLoopbackUrl(name) ? URL_INPUT_OPTIONS : []
}

/** The protocol whitelist for an input: `file`, or http over tcp for a loopback URL. */
export function protocolWhitelistOf (name: string): string {
  return isLoopbackUrl(name) ? URL_PROTOCOL_WHITELIST : INPUT_PROTOCOL_WHITELIST
}

export function renderArgs (command: FfmpegCommand, options: RenderArgsOptions = {}): string[] {
  const threads = options.threads ?? 0
  const args = ['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'error', '-progress', 'pipe:1']
  if (threads > 0) args.push('-filter_complex_threads', String(threads))
  for (const input of command.inputs) {
    if (threads > 0) args.push('-threads', String(threads))
    args.push(...(input.options ?? []))
    if (input.demuxer === 'concat') args.push('-f', 'concat', '-safe', '1')
    const formats = input.demuxer === 'concat' ? `concat,${INPUT_FORMAT_WHITELIST}` : INPUT_FORMAT_WHITELIST
    args.push('-protocol_whitelist', protocolWhitelistOf(input.file), '-format_whitelist', formats, ...inputReadOptions(input.file))
    args.push('-i', fileUrl(input.file))
  }
  if (command.filterComplex != null) args.push('-filter_complex', `sws_flags=${SWS_FLAGS};${command.filterComplex}`)
  args.push(...command.output.options)
  args.push('-threads', String(threads > 0 ? threads : DEFAULT_ENCODER_THREADS))
  args.push(...REPRODUCIBLE_OUTPUT_FLAGS)
  args.push('-y', fileUrl(command.output.file))
  return args
}
