import { z } from 'zod'
import type { ApiClient } from '../api/index.ts'
import type { Output } from './output.ts'
import type { Progress } from './progress.ts'

/**
 * What a command is: a name, its arguments and options, a zod schema that
 * turns them into a typed input (errors name the flag), and `run`, which
 * returns data as an `Output` and never prints. One file per command in
 * src/cli/commands/, default-exporting `defineCommand({...})`; the registry
 * finds it there, nothing else needs an edit.
 */

export interface ArgSpec {
  name: string
  description: string
  optional?: boolean
  variadic?: boolean
}

export interface OptionSpec {
  /** Commander syntax: `-o, --output <file>`, `--no-pin`, `--kind <kind>`. */
  flags: string
  description: string
  /** Collects every occurrence into an array (`--listen a --listen b`). */
  repeatable?: boolean
  choices?: readonly string[]
  default?: string | boolean | string[]
}

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
  stdin: NodeJS.ReadableStream
  env: Record<string, string | undefined>
  cwd: string
  homedir: string
}

export interface CommandContext {
  /** The resolved home: `--home`, else `$ARTDAG_HOME`, else `~/.artdag`. */
  home: string
  json: boolean
  /** Aborted by the first SIGINT/SIGTERM. */
  signal: AbortSignal
  /** A client for this home's daemon (the socket path honours `api.socket` in the config). */
  client: () => Promise<ApiClient>
  /** A progress bar on stderr when it is a terminal and output is not JSON; silent otherwise. */
  progress: (label: string, total?: number) => Progress
  /** Runs `fn` once the command's output is printed (a stream read to its end): closes what `run` opened. */
  onDone: (fn: () => Promise<void>) => void
  io: CliIo
}

export interface CommandSpec<I = unknown> {
  name: string
  summary: string
  /** Help heading the command is listed under (`Content`, `Node`…). @default 'Other' */
  group?: string
  /** Position inside its group; then by name. @default 100 */
  order?: number
  args?: ArgSpec[]
  /** Keyed by the option's attribute name (`--expires-in` → `expiresIn`). */
  options?: Record<string, OptionSpec>
  subcommands?: AnyCommand[]
  /** Validates `{ ...args, ...options }`; issues name the flag or argument. */
  input?: z.ZodType<I>
  /** Long-running: the first signal asks for a clean stop and says so on stderr. */
  graceful?: boolean
  examples?: string[]
  // A method, so a command of a specific input type is also an AnyCommand.
  run?(input: I, ctx: CommandContext): Promise<Output>
}

/** A command of any input type (`run` is a method, so it accepts one): the program parses its input with its own schema before `run` sees it. */
export type AnyCommand = CommandSpec<unknown>

/** Identity function that ties `run`'s input type to the `input` schema. */
export function defineCommand<S extends z.ZodType = z.ZodObject<{}>> (spec: Omit<CommandSpec<z.output<S>>, 'input'> & { input?: S }): CommandSpec<z.output<S>> {
  return { ...spec, input: (spec.input ?? z.object({})) as unknown as z.ZodType<z.output<S>> }
}

export function isCommandSpec (value: unknown): value is AnyCommand {
  if (typeof value !== 'object' || value === null) return false
  const spec = value as Partial<AnyCommand>
  return typeof spec.name === 'string' && typeof spec.summary === 'string' &&
    (typeof spec.run === 'function' || Array.isArray(spec.subcommands))
}
