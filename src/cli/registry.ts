import { CommandRegistryError } from './errors.ts'
import { readdir } from 'node:fs/promises'
import { isCommandSpec } from './command.ts'
import type { AnyCommand } from './command.ts'

/**
 * The command registry is the folder src/cli/commands/: every `<name>.ts` in
 * it default-exports one command (`export default defineCommand({...})`).
 * Adding a command is adding a file. Keep a command file's top-level imports
 * light (types, zod, the output helpers): `--help` imports them all; import
 * heavy modules (the engine, libp2p) inside `run`.
 */

export const COMMANDS_DIR = new URL('./commands/', import.meta.url)

/** Help headings, in the order `--help` lists them; other groups follow, by name. */
export const GROUP_ORDER = ['Setup', 'Node', 'Content', 'Jobs', 'Other']

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

/** Imports every command file in `dir`; a file without a command, or two commands with one name, is a bug reported by file. */
export async function loadCommands (dir: URL = COMMANDS_DIR): Promise<AnyCommand[]> {
  const files = (await readdir(dir)).filter(isCommandFile).sort()
  const modules = await Promise.all(files.map(async file => ({ file, module: await import(new URL(file, dir).href) as { default?: unknown } })))
  const byName = new Map<string, string>()
  const commands: AnyCommand[] = []
  for (const { file, module } of modules) {
    if (!isCommandSpec(module.default)) {
      throw new CommandRegistryError(`src/cli/commands/${file} must \`export default defineCommand({ name, summary, run })\``)
    }
    const other = byName.get(module.default.name)
    if (other !== undefined) throw new CommandRegistryError(`src/cli/commands/${file} and ${other} both define the command "${module.default.name}"`)
    byName.set(module.default.name, file)
    commands.push(module.default)
  }
  return sortCommands(commands)
}
