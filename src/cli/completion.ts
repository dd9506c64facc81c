import type { AnyCommand } from './command.ts'
import { defined } from '../defined.ts'

/**
 * Shell completion scripts for bash, zsh and fish, generated from the command
 * registry: command and subcommand names, every option, the choices of
 * options that have them, files for file arguments (recipes, inputs, -o) and
 * config keys for `artdag config get/set`. `artdag completion SHELL` prints one.
 */

export const SHELLS = ['bash', 'zsh', 'fish'] as const
export type Shell = typeof SHELLS[number]

interface OptionFacts {
  long: string
  short?: string
  takesValue: boolean
  choices?: readonly string[]
  description: string
}

interface CommandFacts {
  name: string
  summary: string
  options: OptionFacts[]
  /** What positional arguments complete to. */
  args: 'files' | 'config-keys' | 'none'
  subcommands: CommandFacts[]
}

/** Global options of every command. */
const GLOBAL: OptionFacts[] = [
  { long: '--home', takesValue: true, description: "the node's home" },
  { long: '--json', takesValue: false, description: 'print results as JSON' },
  { long: '--help', short: '-h', takesValue: false, description: 'show help' }
]

function optionFacts (flags: string, description: string, choices?: readonly string[]): OptionFacts {
  const long = /--[\w-]+/.exec(flags)?.[0] ?? flags
  const short = /(?:^|[\s,])(-\w)\b/.exec(flags)?.[1]
  return { long, ...defined({ short }), takesValue: /[<[]/.test(flags), ...defined({ choices }), description }
}

function argsKind (spec: AnyCommand, path: string): CommandFacts['args'] {
  if (path === 'config get' || path === 'config set') return 'config-keys'
  return (spec.args ?? []).some(a => /recipe|file|source/.test(a.name)) ? 'files' : 'none'
}

function factsOf (spec: AnyCommand, path: string): CommandFacts {
  return {
    name: spec.name,
    summary: spec.summary,
    options: Object.values(spec.options ?? {}).map(o => optionFacts(o.flags, o.description, o.choices)),
    args: argsKind(spec, path),
    subcommands: (spec.subcommands ?? []).map(sub => factsOf(sub, `${path} ${sub.name}`))
  }
}

const words = (list: readonly string[]): string => list.join(' ')
const quoteSh = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`

/** How bash and zsh offer words, files and folders. */
interface Dialect {
  words: (list: readonly string[]) => string
  files: string
  dirs: string
}

const BASH: Dialect = {
  words: list => `COMPREPLY=($(compgen -W ${quoteSh(words(list))} -- "$cur"))`,
  files: 'COMPREPLY=($(compgen -f -- "$cur"))',
  dirs: 'COMPREPLY=($(compgen -d -- "$cur"))'
}

const ZSH: Dialect = {
  words: list => `compadd -- ${list.map(quoteSh).join(' ')}`,
  files: '_files',
  dirs: '_files -/'
}

function optionsCase (options: OptionFacts[], d: Dialect): string {
  const withChoices = options.filter(o => o.choices !== undefined)
  const withFiles = options.filter(o => o.takesValue && o.choices === undefined)
  const lines = [
    ...withChoices.map(o => `      ${[o.long, o.short].filter(Boolean).join('|')}) ${d.words(o.choices ?? [])}; return ;;`),
    ...(withFiles.length > 0 ? [`      ${withFiles.flatMap(o => [o.long, o.short].filter((f): f is string => f !== undefined)).join('|')}) ${d.files}; return ;;`] : [])
  ]
  return lines.length > 0 ? `    case "$prev" in\n${lines.join('\n')}\n    esac\n` : ''
}

function commandBody (c: CommandFacts, keys: readonly string[], d: Dialect): string {
  const opts = [...c.options.flatMap(o => [o.long, ...(o.short !== undefined ? [o.short] : [])]), ...GLOBAL.map(o => o.long)]
  const args = c.args === 'files' ? d.files : c.args === 'config-keys' ? d.words(keys) : ':'
  return `${optionsCase(c.options, d)}    if [[ $cur == -* ]]; then ${d.words(opts)}; else ${args}; fi\n`
}

/** The shared body: find the command (and a group's subcommand) in the words before the cursor, then offer what fits. */
function shellFunction (commands: AnyCommand[], keys: readonly string[], d: Dialect, head: string): string {
  const facts = commands.map(c => factsOf(c, c.name))
  const cases = facts.map(c => {
    if (c.subcommands.length === 0) return `  ${c.name})\n${commandBody(c, keys, d)}    ;;`
    const subs = c.subcommands.map(s => `  ${c.name}/${s.name})\n${commandBody(s, keys, d)}    ;;`).join('\n')
    return `  ${c.name}/)\n    ${d.words(c.subcommands.map(s => s.name))}\n    ;;\n${subs}`
  }).join('\n')
  return `_artdag () {
${head}
  for ((i = first; i < last; i++)); do
    w="\${words[i]}"
    case "$w" in
      --home) ((i++)) ;;
      -*) ;;
      *) if [[ -z $cmd ]]; then cmd="$w"; elif [[ -z $sub ]]; then sub="$w"; fi ;;
    esac
  done
  if [[ $prev == --home ]]; then ${d.dirs}; return; fi
  case "$cmd/$sub" in
  /) ${d.words([...facts.map(c => c.name), ...GLOBAL.map(o => o.long), '--version'])} ;;
${facts.filter(c => c.subcommands.length === 0).map(c => `  ${c.name}/*) cmd_only=${c.name} ;;`).join('\n')}
  esac
  case "\${cmd_only:-$cmd/$sub}" in
${cases}
  esac
}`
}

export function bashScript (commands: AnyCommand[], keys: readonly string[]): string {
  const head = `  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd='' sub='' cmd_only='' i w first=1 last=$COMP_CWORD
  local -a words=("\${COMP_WORDS[@]}")
  COMPREPLY=()`
  return `# artdag completion for bash: eval "$(artdag completion bash)", e.g. in ~/.bashrc
${shellFunction(commands, keys, BASH, head)}
complete -o default -F _artdag artdag
`
}

export function zshScript (commands: AnyCommand[], keys: readonly string[]): string {
  const head = `  local cur="\${words[CURRENT]}" prev="\${words[CURRENT-1]}" cmd='' sub='' cmd_only='' i w first=2 last=$CURRENT`
  return `#compdef artdag
# artdag completion for zsh: eval "$(artdag completion zsh)", e.g. in ~/.zshrc after compinit
# (or save it as _artdag in a folder of $fpath).
${shellFunction(commands, keys, ZSH, head)}
if (( $+functions[compdef] )); then compdef _artdag artdag; fi
`
}

const quoteFish = (text: string): string => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`

function fishOptions (c: CommandFacts, condition: string): string[] {
  return c.options.map(o => {
    const parts = [`complete -c artdag -n ${quoteFish(condition)} -l ${o.long.slice(2)}`]
    if (o.short !== undefined) parts.push(`-s ${o.short.slice(1)}`)
    if (o.choices !== undefined) parts.push(`-x -a ${quoteFish(words(o.choices))}`)
    else if (o.takesValue) parts.push('-r -F')
    parts.push(`-d ${quoteFish(o.description)}`)
    return parts.join(' ')
  })
}

function fishArgs (c: CommandFacts, condition: string, keys: readonly string[]): string[] {
  if (c.args === 'files') return [`complete -c artdag -n ${quoteFish(condition)} -F`]
  if (c.args === 'config-keys') return [`complete -c artdag -n ${quoteFish(condition)} -x -a ${quoteFish(words(keys))}`]
  return []
}

export function fishScript (commands: AnyCommand[], keys: readonly string[]): string {
  const facts = commands.map(c => factsOf(c, c.name))
  const names = words(facts.map(c => c.name))
  const lines = [
    '# artdag completion for fish: artdag completion fish | source, or save it as ~/.config/fish/completions/artdag.fish',
    'complete -c artdag -f',
    ...GLOBAL.map(o => `complete -c artdag -l ${o.long.slice(2)}${o.short !== undefined ? ` -s ${o.short.slice(1)}` : ''}${o.takesValue ? ' -r -F' : ''} -d ${quoteFish(o.description)}`),
    ...facts.map(c => `complete -c artdag -n ${quoteFish(`not __fish_seen_subcommand_from ${names}`)} -a ${c.name} -d ${quoteFish(c.summary)}`)
  ]
  for (const c of facts) {
    const seen = `__fish_seen_subcommand_from ${c.name}`
    if (c.subcommands.length === 0) {
      lines.push(...fishOptions(c, seen), ...fishArgs(c, seen, keys))
      continue
    }
    const subs = words(c.subcommands.map(s => s.name))
    lines.push(...c.subcommands.map(s => `complete -c artdag -n ${quoteFish(`${seen}; and not __fish_seen_subcommand_from ${subs}`)} -a ${s.name} -d ${quoteFish(s.summary)}`))
    for (const s of c.subcommands) {
      const both = `${seen}; and __fish_seen_subcommand_from ${s.name}`
      lines.push(...fishOptions(s, both), ...fishArgs(s, both, keys))
    }
  }
  return `${lines.join('\n')}\n`
}

export function completionScript (shell: Shell, commands: AnyCommand[], keys: readonly string[]): string {
  switch (shell) {
    case 'bash':
      return bashScript(commands, keys)
    case 'zsh':
      return zshScript(commands, keys)
    case 'fish':
      return fishScript(commands, keys)
  }
}
