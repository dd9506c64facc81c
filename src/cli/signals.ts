import { AbortedError } from '../errors.ts'
import { exitCodeForSignal } from './exit-codes.ts'

/**
 * Lodestar's rule: the first SIGINT/SIGTERM asks the command to stop (its
 * signal aborts, a daemon shuts down in order); a second one forces the exit.
 */

export interface SignalSource {
  on: (event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void) => unknown
  off: (event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void) => unknown
  exit: (code: number) => never
}

export interface ShutdownHandle {
  signal: AbortSignal
  /** Removes the handlers; call when the command is done. */
  dispose: () => void
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']

export function handleShutdownSignals (proc: SignalSource, stderr: NodeJS.WritableStream, options: { graceful: boolean }): ShutdownHandle {
  const controller = new AbortController()
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!controller.signal.aborted) {
      if (options.graceful) stderr.write(`received ${signal}, stopping (send it again to force)\n`)
      controller.abort(new AbortedError(`interrupted by ${signal}`, { signal }))
      return
    }
    stderr.write(`received ${signal} again, exiting now\n`)
    proc.exit(exitCodeForSignal(signal))
  }
  for (const name of SIGNALS) proc.on(name, onSignal)
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of SIGNALS) proc.off(name, onSignal)
    }
  }
}
