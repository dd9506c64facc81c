import { runProcess } from './process.ts'
import { recipeCodecs } from './capabilities.ts'
import type { CapabilitiesOptions, FfmpegCapabilities } from './capabilities.ts'
import { KNOWN_HARDWARE_ENCODERS } from '../plan/index.ts'
import { VAAPI_DEVICE } from './steps/transcode-encoders.ts'

/** How long one trial encode on a hardware encoder may take. */
export const HARDWARE_TRIAL_TIMEOUT_MS = 15_000

/**
 * The hardware encoders (`h264_nvenc`, `hevc_qsv`, `h264_vaapi`…) this ffmpeg
 * has and that work here. ffmpeg lists an encoder it was built with even on a
 * machine without the device (a static build lists vaapi everywhere), so each
 * listed one must encode one small frame before the node advertises it.
 */
export async function workingHardwareEncoders (capabilities: FfmpegCapabilities, options: CapabilitiesOptions = {}): Promise<string[]> {
  const listed = KNOWN_HARDWARE_ENCODERS.filter(name => capabilities.encoders.includes(name))
  const working: string[] = []
  for (const encoder of listed) {
    options.signal?.throwIfAborted()
    const vaapi = encoder.endsWith('_vaapi')
    const args = [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      ...(vaapi ? ['-vaapi_device', VAAPI_DEVICE] : []),
      '-f',
      'lavfi',
      '-i',
      'color=c=black:s=256x256:r=25:d=0.2',
      ...(vaapi ? ['-vf', 'format=nv12,hwupload'] : []),
      '-frames:v',
      '1',
      '-c:v',
      encoder,
      '-f',
      'null',
      '-'
    ]
    const result = await runProcess(capabilities.path, args, {
      label: 'ffmpeg',
      timeoutMs: options.timeoutMs ?? HARDWARE_TRIAL_TIMEOUT_MS,
      signal: options.signal,
      onSpawn: pid => options.onSpawn?.({ binary: 'ffmpeg', purpose: 'capabilities', path: capabilities.path, pid })
    }).catch(() => null)
    if (result?.exitCode === 0) working.push(encoder)
  }
  return working
}

/** What a node advertises: the recipe codecs its ffmpeg has, and the hardware encoders that work. */
export async function advertisedEncoders (capabilities: FfmpegCapabilities, options: CapabilitiesOptions = {}): Promise<string[]> {
  return [...recipeCodecs(capabilities), ...await workingHardwareEncoders(capabilities, options)]
}
