import { readFileSync } from 'node:fs'
import { Command, CommanderError, Option } from 'commander'
import { InvalidArgumentError, toErrorBody } from '../errors.ts'
import type { ErrorBody } from '../errors.ts'
import type { AnyCommand, CliIo, CommandContext } from './command.ts'
import { clientFor, resolveCliHome } from './context.ts'
import { EXIT_CODE_BY_KIND, EXIT_OK } from './exit-codes.ts'
import { CheckFailedError, CommandRegistryError } from './errors.ts'
import { withHint } from './hints.ts'
import { render, renderError } from './output.ts'
import { createProgress } from './progress.ts'
import { commandWord, loadCommand, loadCommands } from './registry.ts'
import { handleShutdownSignals } from './signals.ts'
import type { SignalSource } from './signals.ts'

/**
 * Builds the commander program from the registry and runs one command:
 * parse → validate the input with the command's schema → run → render. Every
 * failure becomes one line on stderr (or a JSON error body with `--json`) and
 * the exit code of its kind. Returns the exit code; never calls exit itself.
 */

interface Globals {
  home?: string
  json?: boolean
}

function packageVersion (): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8')
  return (JSON.parse(text) as { version: string }).version
}

/** `--expires-in <ms>` → `--expires-in`; `<cid>` for arguments. */
function labelFor (spec: AnyCommand, key: PropertyKey | undefined): string {
  if (typeof key !== 'string') return 'input'
  if (spec.args?.some(arg => arg.name === key) === true) return `<${key}>`
  const flags = spec.options?.[key]?.flags
  return flags?.match(/--[\w-]+/)?.[0] ?? key
}

function parseInput (spec: AnyCommand, raw: Record<string, unknown>, commandPath: string): unknown {
  if (spec.input === undefined) return raw
  const parsed = spec.input.safeParse(raw)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map(issue => `${labelFor(spec, issue.path[0])}: ${issue.message}`)
  throw new InvalidArgumentError(`artdag ${commandPath}: ${problems.join('; ')}`)
}

/**
 * Commander's `error: unknown command 'stauts'\n(Did you mean status?)` as one line; a value
 * outside an option's choices gets the nearest choice too (commander lists them only).
 */
async function usageMessage (message: string): Promise<string> {
  const line = message.replace(/^error: /, '').replace(/\s*\n\(Did you mean (.+)\?\)\s*$/, ' (did you mean $1?)').trim()
  const choice = /argument '([^']*)' is invalid\. Allowed choices are (.+)\.$/.exec(line)
  if (choice === null) return line
  // Loaded only on this error path: every command's start stays as light as it is.
  const { closest } = await import('../plan/light/index.ts')
  const near = closest(choice[1] as string, (choice[2] as string).split(', '))
  return near === undefined ? line : `${line} (did you mean ${near}?)`
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value]

export interface RunCliOptions {
  io: CliIo
  signals: SignalSource
  /** Where commands are found. @default COMMANDS_DIR */
  commandsDir?: URL
}

export async function runCli (argv: string[], options: RunCliOptions): Promise<number> {
  const { io } = options
  const jsonRequested = argv.includes('--json')
  let exitCode = EXIT_OK
  const fail = async (body: ErrorBody, json: boolean): Promise<number> => {
    await renderError(body, { stdout: io.stdout, stderr: io.stderr, json })
    return EXIT_CODE_BY_KIND[body.error.kind]
  }

  const execute = async (spec: AnyCommand, commandPath: string, raw: Record<string, unknown>, globals: Globals): Promise<void> => {
    const json = globals.json === true
    const shutdown = handleShutdownSignals(options.signals, io.stderr, { graceful: spec.graceful === true })
    const done: Array<() => Promise<void>> = []
    try {
      const input = parseInput(spec, raw, commandPath)
      const home = await resolveCliHome(globals.home, io)
      let client: ReturnType<CommandContext['client']> | undefined
      const ctx: CommandContext = {
        home,
        json,
        signal: shutdown.signal,
        client: () => (client ??= clientFor(home, io)),
        progress: (label, total) => createProgress(io.stderr, !json, label, total),
        onDone: fn => {
          done.push(fn)
        },
        io
      }
      const output = await spec.run!(input, ctx)
      await render(output, { stdout: io.stdout, stderr: io.stderr, json })
    } catch (err: unknown) {
      if (err instanceof CheckFailedError) await render(err.output, { stdout: io.stdout, stderr: io.stderr, json })
      const body = withHint(toErrorBody(err), commandPath)
      exitCode = await fail(body, json)
      // A bug's stack is for whoever debugs it, on request.
      if (body.error.kind === 'internal' && io.env.ARTDAG_DEBUG != null && err instanceof Error) io.stderr.write(`${err.stack ?? ''}\n`)
    } finally {
      // Clean-ups after the command's own result or error was printed: theirs must not replace it.
      for (const fn of done.reverse()) await fn().catch(() => {})
      shutdown.dispose()
    }
  }

  const program = new Command('artdag')
    .description('a peer-to-peer render daemon: media DAGs rendered with ffmpeg over libp2p and IPFS')
    .version(packageVersion(), '-V, --version')
    .option('--home <dir>', "the node's home (default: $ARTDAG_HOME, else ~/.artdag)")
    .option('--json', 'print results as JSON (errors as a JSON error body on stderr)')
    .exitOverride()
    .configureOutput({
      writeOut: text => {
        io.stdout.write(text)
      },
      writeErr: text => {
        io.stderr.write(text)
      },
      outputError: () => {} // usage errors are printed by `fail`, as text or JSON
    })
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError(true)
    .addHelpText('after', '\nExit codes: 0 ok, 1 failed, 2 invalid input, 3 not found, 4 conflict, 5 too large,\n6 forbidden, 7 unavailable (no daemon), 8 timeout, 9 internal error, 130 interrupted.')

  const addCommand = (parent: Command, spec: AnyCommand, commandPath: string): void => {
    const cmd = parent.command(spec.name).summary(spec.summary).description(spec.summary)
    if (spec.group !== undefined) cmd.helpGroup(`${spec.group}:`)
    for (const arg of spec.args ?? []) {
      const name = `${arg.name}${arg.variadic === true ? '...' : ''}`
      cmd.argument(arg.optional === true ? `[${name}]` : `<${name}>`, arg.description)
    }
    for (const [key, opt] of Object.entries(spec.options ?? {})) {
      const option = new Option(opt.flags, opt.description)
      if (option.attributeName() !== key) throw new CommandRegistryError(`artdag ${commandPath}: option ${opt.flags} must be keyed ${option.attributeName()}, not ${key}`)
      if (opt.choices !== undefined) option.choices(opt.choices)
      if (opt.repeatable === true) option.argParser(collect)
      if (opt.default !== undefined) option.default(opt.default)
      cmd.addOption(option)
    }
    if (spec.examples !== undefined) cmd.addHelpText('after', `\nExamples:\n${spec.examples.map(e => `  $ ${e}`).join('\n')}`)
    for (const sub of spec.subcommands ?? []) addCommand(cmd, sub, `${commandPath} ${sub.name}`)
    if (spec.run !== undefined) {
      cmd.action(async (...values: unknown[]) => {
        const raw: Record<string, unknown> = {}
        ;(spec.args ?? []).forEach((arg, i) => {
          raw[arg.name] = values[i]
        })
        Object.assign(raw, cmd.opts())
        await execute(spec, commandPath, raw, cmd.optsWithGlobals<Globals>())
      })
    }
  }

  // Only the named command's file when it has one (a socket-only command starts quickly); every
  // command for help, for an unknown word (commander then suggests the nearest) and for no word.
  let commands: AnyCommand[]
  try {
    const word = commandWord(argv)
    const one = word !== undefined ? await loadCommand(word, options.commandsDir) : undefined
    commands = one !== undefined ? [one] : await loadCommands(options.commandsDir)
  } catch (err: unknown) {
    return await fail(toErrorBody(err), jsonRequested)
  }
  try {
    for (const spec of commands) addCommand(program, spec, spec.name)
  } catch (err: unknown) {
    return await fail(toErrorBody(err), jsonRequested)
  }

  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true })
      return EXIT_CODE_BY_KIND.invalid
    }
    await program.parseAsync(argv, { from: 'user' })
  } catch (err: unknown) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return EXIT_OK // --help, --version
      if (err.code === 'commander.help' || err.code === 'commander.helpDisplayed') return EXIT_CODE_BY_KIND.invalid // a group (`artdag pin`) without a subcommand
      return await fail({ error: { name: 'UsageError', kind: 'invalid', message: await usageMessage(err.message) } }, jsonRequested)
    }
    return await fail(toErrorBody(err), jsonRequested)
  }
  return exitCode
}
