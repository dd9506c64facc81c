import { EventEmitter } from 'node:events'
import { PassThrough } from 'node:stream'
import type { CliIo } from '../../../src/cli/command.ts'
import type { SignalSource } from '../../../src/cli/signals.ts'

/** Captured stdout/stderr and a fake environment for running the CLI in-process. */
export interface FakeIo {
  io: CliIo
  stdout: () => string
  stderr: () => string
}

export function fakeIo (env: Record<string, string | undefined> = {}): FakeIo {
  const out: Buffer[] = []
  const err: Buffer[] = []
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  stdout.on('data', (chunk: Buffer) => out.push(chunk))
  stderr.on('data', (chunk: Buffer) => err.push(chunk))
  return {
    io: { stdout, stderr, stdin: new PassThrough(), env, cwd: '/', homedir: '/home/tester' },
    stdout: () => Buffer.concat(out).toString('utf8'),
    stderr: () => Buffer.concat(err).toString('utf8')
  }
}

/** Signals a test can raise; `exit` records instead of exiting. */
export class FakeSignals extends EventEmitter implements SignalSource {
  readonly exits: number[] = []

  override on (event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): this {
    return super.on(event, listener)
  }

  override off (event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): this {
    return super.off(event, listener)
  }

  raise (signal: NodeJS.Signals): void {
    this.emit(signal, signal)
  }

  exit = (code: number): never => {
    this.exits.push(code)
    return undefined as never
  }
}

export const fixtureDir = (name: string): URL => new URL(`./fixtures/${name}/`, import.meta.url)
