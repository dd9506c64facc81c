import { access, readdir } from 'node:fs/promises'
import { CommandRegistryError } from './errors.ts'
import { isCommandSpec } from './command.ts'
import type { AnyCommand } from './command.ts'

/**
 * The command registry is the folder src/cli/commands/: every `<name>.ts` in
 * it default-exports the command `<name>` (`export default defineCommand({...})`).
 * Adding a command is adding a file. A run loads only the file of the command
 * it names (a socket-only command starts in a few tens of milliseconds); help,
 * completion and an unknown command load them all. Keep a command file's
 * top-level imports light (types, zod, the output helpers): import heavy
 * modules (the engine, libp2p) inside `run`.
 */

export const COMMANDS_DIR = new URL('./commands/', import.meta.url)

/** Help headings, in the order `--help` lists them; other groups follow, by name. */
export const GROUP_ORDER = ['Setup', 'Node', 'Content', 'Jobs', 'Other']

/** Global options that take a value: their value is not a command name. */
const GLOBAL_OPTIONS_WITH_VALUE = new Set(['--home'])

export { CommandRegistryError }

function isCommandFile (name: string): boolean {
  return name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.endsWith('.test.ts') && !name.startsWith('_') && !name.startsWith('.')
}

function groupRank (group: string): number {
  const index = GROUP_ORDER.indexOf(group)
  return index === -1 ? GROUP_ORDER.length : index
}

export function sortCommands (commands: AnyCommand[]): AnyCommand[] {
  return [...commands].sort((a, b) => {
    const ga = a.group ?? 'Other'
    const gb = b.group ?? 'Other'
    return groupRank(ga) - groupRank(gb) || ga.localeCompare(gb) ||
      (a.order ?? 100) - (b.order ?? 100) || a.name.localeCompare(b.name)
  })
}

/** The first word of `argv` that is not an option (nor a global option's value): the command's name, if any. */
export function commandWord (argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') return undefined
    if (GLOBAL_OPTIONS_WITH_VALUE.has(arg)) {
      i++
      continue
    }
    if (!arg.startsWith('-')) return arg
  }
  return undefined
}

async function importCommand (dir: URL, file: string): Promise<AnyCommand> {
  const module = await import(new URL(file, dir).href) as { default?: unknown }
  if (!isCommandSpec(module.default)) {
    throw new CommandRegistryError(`src/cli/commands/${file} must \`export default defineCommand({ name, summary, run })\``)
  }
  const expected = file.slice(0, -'.ts'.length)
  if (module.default.name !== expected) {
    throw new CommandRegistryError(`src/cli/commands/${file} defines the command "${module.default.name}": a command file is named after its command (${module.default.name}.ts)`)
  }
  return module.default
}

/** The names of every command, from the file names alone (nothing is imported). */
export async function commandNames (dir: URL = COMMANDS_DIR): Promise<string[]> {
  return (await readdir(dir)).filter(isCommandFile).map(file => file.slice(0, -'.ts'.length)).sort()
}

/** Imports every command file in `dir`; a file without a command, or named after another command, is a bug reported by file. */
export async function loadCommands (dir: URL = COMMANDS_DIR): Promise<AnyCommand[]> {
  const files = (await readdir(dir)).filter(isCommandFile).sort()
  return sortCommands(await Promise.all(files.map(async file => await importCommand(dir, file))))
}

/** Only the command `name`, when `dir` has its file; undefined otherwise (then load them all). */
export async function loadCommand (name: string, dir: URL = COMMANDS_DIR): Promise<AnyCommand | undefined> {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) return undefined
  const file = `${name}.ts`
  try {
    await access(new URL(file, dir))
  } catch {
    return undefined
  }
  return await importCommand(dir, file)
}
