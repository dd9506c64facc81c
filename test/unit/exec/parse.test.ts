import { describe, expect, it } from 'vitest'
import { parseEncoders, parseFilters, parsePixelFormats, parseVersion, recipeCodecs } from '../../../src/exec/capabilities.ts'
import { parseProbeJson } from '../../../src/exec/probe-parse.ts'

const ENCODERS = `Encoders:
 V..... = Video
 A..... = Audio
 ------
 V..... libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)
 V....D libvpx-vp9           libvpx VP9 (codec vp9)
 V..X.. libaom-av1           libaom AV1 (codec av1)
 A..... aac                  AAC (Advanced Audio Coding)
 A....D libopus              libopus Opus (codec opus)
 S..... ass                  ASS (Advanced SubStation Alpha) subtitle
`

const FILTERS = `Filters:
  T.. = Timeline support
  .S. = Slice threading
  ..C = Command support
  A = Audio input/output
  | = Source or sink filter
 ... abench            A->A       Benchmark part of a filtergraph.
 T.C drawtext          V->V       Draw text on top of video frames using libfreetype library.
 ... concat            N->N       Concatenate audio and video streams.
 ... testsrc2          |->V       Generate another test pattern.
`

describe('capability parsing', () => {
  it('reads the version from old static builds and distribution builds', () => {
    expect(parseVersion('ffmpeg version N-47683-g0e8eb07980-static https://johnvansickle.com/ffmpeg/  Copyright (c) 2000-2018')).toBe('N-47683-g0e8eb07980-static')
    expect(parseVersion('ffprobe version 5.1.6-0+deb12u1 Copyright (c) 2007-2024 the FFmpeg developers')).toBe('5.1.6-0+deb12u1')
    expect(parseVersion('garbage')).toBe('unknown')
  })

  it('lists encoders and filters by name, ignoring the legend', () => {
    expect(parseEncoders(ENCODERS)).toEqual(['aac', 'ass', 'libaom-av1', 'libopus', 'libvpx-vp9', 'libx264'])
    expect(parseFilters(FILTERS)).toEqual(['abench', 'concat', 'drawtext', 'testsrc2'])
  })

  it('maps encoders to the codecs recipes name', () => {
    expect(recipeCodecs({ path: 'x', version: 'v', encoders: parseEncoders(ENCODERS), filters: [] })).toEqual(['h264', 'vp9', 'av1', 'aac', 'opus'])
  })

  it("reads an encoder's pixel formats", () => {
    expect(parsePixelFormats('Encoder libx264 [libx264 H.264]:\n    Supported pixel formats: yuv420p yuvj420p yuv444p\nlibx264 AVOptions:')).toEqual(['yuv420p', 'yuvj420p', 'yuv444p'])
    expect(parsePixelFormats('no list here')).toEqual([])
  })
})

describe('probe parsing', () => {
  it('takes Matroska stream durations from tags and the frame rate from avg_frame_rate', () => {
    const info = parseProbeJson({
      format: { format_name: 'matroska,webm', duration: '2.000000', size: '118769', bit_rate: '475076' },
      streams: [
        { index: 0, codec_type: 'video', codec_name: 'h264', width: 320, height: 180, pix_fmt: 'yuv420p', r_frame_rate: '50/1', avg_frame_rate: '25/1', tags: { DURATION: '00:00:02.000000000' } },
        { index: 1, codec_type: 'audio', codec_name: 'flac', sample_rate: '48000', channels: 2, channel_layout: 'stereo', r_frame_rate: '0/0', avg_frame_rate: '0/0' }
      ]
    })
    expect(info).toMatchObject({ formatName: 'matroska,webm', durationS: 2, sizeBytes: 118769, still: false })
    expect(info.video).toMatchObject({ width: 320, height: 180, frameRate: { num: 25, den: 1 }, durationS: 2 })
    expect(info.audio).toMatchObject({ sampleRate: 48000, channels: 2, channelLayout: 'stereo' })
  })

  it('tells a still picture from a video and cover art from a picture stream', () => {
    const png = parseProbeJson({ format: { format_name: 'png_pipe', size: '1678' }, streams: [{ index: 0, codec_type: 'video', codec_name: 'png', width: 64, height: 64, avg_frame_rate: '25/1' }] })
    expect(png).toMatchObject({ still: true, durationS: null, video: { width: 64 } })
    const mp3 = parseProbeJson({
      format: { format_name: 'mp3', duration: '3.1' },
      streams: [
        { index: 0, codec_type: 'audio', codec_name: 'mp3', sample_rate: '44100', channels: 2 },
        { index: 1, codec_type: 'video', codec_name: 'mjpeg', width: 500, height: 500, disposition: { attached_pic: 1 } }
      ]
    })
    expect(mp3.video).toBeNull()
    expect(mp3.audio).toMatchObject({ sampleRate: 44100 })
  })
})
