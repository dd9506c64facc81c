import type { ErrorKind } from '../errors.ts'

/**
 * The CLI's exit status is decided by the error's kind, wherever it failed
 * (in the CLI, or in the daemon and carried back over the socket). Documented
 * in docs/API.md; scripts may rely on them.
 */
export const EXIT_OK = 0

export const EXIT_CODE_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  failed: 1, // the work itself failed (ffmpeg exited non-zero)
  invalid: 2, // bad arguments, bad input, bad config: also commander's usage errors
  not_found: 3,
  conflict: 4,
  too_large: 5,
  forbidden: 6,
  unavailable: 7, // no daemon running, no ffmpeg, no peers
  timeout: 8,
  internal: 9, // a bug
  aborted: 130 // interrupted (128 + SIGINT)
}

/** Exit status after a forced stop by a second signal: 128 + the signal number. */
export function exitCodeForSignal (signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : 130
}
