import { describe, expect, it } from 'vitest'
import { ProgressParser } from '../../../src/exec/progress.ts'

const block = (outTimeUs: number, frame: number, speed: string, progress = 'continue'): string =>
  `frame=${frame}\nfps=0.00\nstream_0_0_q=-1.0\nbitrate=N/A\ntotal_size=4027\nout_time_us=${outTimeUs}\nout_time_ms=${outTimeUs}\nout_time=00:00:00.081000\ndup_frames=0\ndrop_frames=0\nspeed=${speed}\nprogress=${progress}\n`

describe('ProgressParser', () => {
  it('turns each -progress block into one event with time, fraction, speed and frame', () => {
    const parser = new ProgressParser(2000)
    const events = parser.push(block(500_000, 12, '1.5x') + block(1_000_000, 25, '2x'))
    expect(events).toEqual([
      { outTimeMs: 500, fraction: 0.25, speed: 1.5, frame: 12, done: false },
      { outTimeMs: 1000, fraction: 0.5, speed: 2, frame: 25, done: false }
    ])
  })

  it('reassembles blocks split anywhere across chunks', () => {
    const parser = new ProgressParser(1000)
    const text = block(250_000, 6, '3.1x') + block(1_000_000, 25, '3x', 'end')
    const events = []
    for (let i = 0; i < text.length; i += 7) events.push(...parser.push(text.slice(i, i + 7)))
    expect(events.map(e => e.outTimeMs)).toEqual([250, 1000])
    expect(events.at(-1)).toMatchObject({ done: true, fraction: 1 })
  })

  it('reports fraction 1 at the end even when ffmpeg stops short of the expected duration', () => {
    const parser = new ProgressParser(10_000)
    expect(parser.push(block(9_960_000, 249, '5x', 'end'))[0]).toMatchObject({ fraction: 1, done: true })
  })

  it('has no fraction without a duration hint, and tolerates N/A values', () => {
    const parser = new ProgressParser()
    const [event] = parser.push('frame=0\nout_time_us=N/A\nout_time=N/A\nspeed=N/A\nprogress=continue\n')
    expect(event).toEqual({ outTimeMs: 0, fraction: null, speed: null, frame: 0, done: false })
  })

  it('reads out_time when the microsecond keys are missing (older ffmpeg) and never goes backwards', () => {
    const parser = new ProgressParser(4000)
    const events = parser.push('out_time=00:00:01.500000\nprogress=continue\nout_time=-00:00:00.040000\nprogress=continue\n')
    expect(events.map(e => e.outTimeMs)).toEqual([1500, 1500])
  })
})
