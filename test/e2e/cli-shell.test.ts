import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { artdag } from './helpers/cli.ts'

/**
 * Issue 13, the CLI in a shell: completion for bash, zsh and fish (each
 * script loaded in its shell and asked for completions), "did you mean" for
 * commands, config keys and recipe fields, and the documented exit codes.
 */

let dir: string
const scripts: Record<string, string> = {}

function shell (file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 30_000, env: { ...process.env, HOME: dir } }, (err, stdout, stderr) => {
      if (err != null) reject(new Error(`${file}: ${err.message}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-cli-shell-'))
  for (const name of ['bash', 'zsh', 'fish']) {
    const result = await artdag(['completion', name])
    expect(result.code, result.stderr).toBe(0)
    scripts[name] = join(dir, `artdag.${name}`)
    await writeFile(scripts[name], result.stdout)
  }
  await writeFile(join(dir, 'typo.yaml'), 'version: 1\nname: typo\nnodes:\n  a: { type: generate, config: { durration: 2 } }\noutptu: a\n')
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('shell completion', { timeout: 60_000 }, () => {
  /** What bash offers after `line` (the words typed so far; a trailing space starts a new word). */
  async function bash (line: string): Promise<string[]> {
    const out = await shell('bash', [
      '-c',
      `source ${scripts.bash}; read -ra COMP_WORDS <<< ${JSON.stringify(line)}; [[ ${JSON.stringify(line)} == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); _artdag; printf '%s\\n' "\${COMPREPLY[@]}"`
    ])
    return out.split('\n').filter(Boolean)
  }

  it('bash: commands, subcommands, options, their choices, files and config keys', async () => {
    expect(await bash('artdag re')).toEqual(['repo', 'render', 'retry'])
    expect(await bash('artdag pin ')).toEqual(['ls', 'add', 'rm'])
    expect(await bash('artdag pin ls --kind f')).toEqual(['final'])
    expect(await bash('artdag render --can')).toEqual(['--cancel-on-interrupt'])
    expect(await bash('artdag config get exec.sl')).toEqual(['exec.slots'])
    expect(await bash('artdag --home /tmp st')).toEqual(['status'])
    expect(await bash(`artdag render ${join(dir, 'ty')}`)).toEqual([join(dir, 'typo.yaml')])
  })

  it('zsh: the same, through compadd and _files', async () => {
    // compadd and _files stand in for zsh's (they print what they are given; the real ones filter by the prefix).
    const zsh = async (line: string): Promise<string> =>
      (await shell('zsh', ['-c', `compadd () { [[ $1 == -- ]] && shift; print -r -- "$*"; }; _files () { print -r -- "<files$*>"; }; source ${scripts.zsh}; words=(${line}); CURRENT=\${#words}; _artdag`])).trim()
    expect(await zsh('artdag pin ls --kind f')).toBe('user final intermediate')
    expect(await zsh('artdag pin ad')).toBe('ls add rm')
    expect((await zsh('artdag config set ex')).split(' ')).toContain('exec.slots')
    expect(await zsh('artdag render exa')).toBe('<files>')
    expect((await zsh('artdag st')).split(' ')).toEqual(expect.arrayContaining(['status', 'render', '--home']))
  })

  it('fish: commands with their summaries, subcommands, choices and config keys', async () => {
    const fish = async (line: string): Promise<string[]> => (await shell('fish', ['-c', `source ${scripts.fish}; complete -C${JSON.stringify(line)}`])).split('\n').filter(Boolean)
    expect(await fish('artdag re')).toEqual(expect.arrayContaining([expect.stringMatching(/^render\trender a recipe/), expect.stringMatching(/^repo\t/), expect.stringMatching(/^retry\t/)]))
    expect((await fish('artdag pin ')).map(l => l.split('\t')[0])).toEqual(['add', 'ls', 'rm'])
    expect((await fish('artdag pin ls --kind ')).map(l => l.split('\t')[0])).toEqual(['final', 'intermediate', 'user'])
    expect(await fish('artdag config get exec.sl')).toEqual(['exec.slots'])
  })
})

describe('did you mean, and exit codes', { timeout: 60_000 }, () => {
  it('suggests the nearest command, subcommand, option value, config key, recipe field and step config field', async () => {
    expect(await artdag(['stauts'])).toMatchObject({ code: 2, stderr: "unknown command 'stauts' (did you mean status?)\n" })
    expect(await artdag(['pin', 'lss'])).toMatchObject({ code: 2, stderr: "unknown command 'lss' (did you mean ls?)\n" })
    expect(await artdag(['jobs', '--state', 'runing'])).toMatchObject({
      code: 2,
      stderr: "option '--state <state>' argument 'runing' is invalid. Allowed choices are running, completed, failed, cancelled. (did you mean running?)\n"
    })
    const key = await artdag(['config', 'get', 'exec.slot', '--home', join(dir, 'home')])
    expect(key).toMatchObject({ code: 2, stderr: 'config key exec.slot does not exist (did you mean exec.slots?)\n' })
    const recipe = await artdag(['plan', join(dir, 'typo.yaml'), '--home', join(dir, 'home')])
    expect(recipe.code).toBe(2)
    expect(recipe.stderr).toContain('outptu: unknown field (did you mean "output"? a recipe has version, name, inputs, nodes, output, outputs)')
    // The recipe's shape first, then its steps: with the field fixed, the config field is next.
    await writeFile(join(dir, 'typo.yaml'), 'version: 1\nname: typo\nnodes:\n  a: { type: generate, config: { durration: 2 } }\noutput: a\n')
    expect((await artdag(['plan', join(dir, 'typo.yaml'), '--home', join(dir, 'home')])).stderr).toBe('nodes.a.config.durration: unknown field (did you mean "duration"?)\n')
  })

  it('exits as --help documents: 0 ok, 2 invalid, 3 not found, 7 no daemon', async () => {
    const help = await artdag(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Exit codes: 0 ok, 1 failed, 2 invalid input, 3 not found, 4 conflict, 5 too large,\n6 forbidden, 7 unavailable (no daemon), 8 timeout, 9 internal error, 130 interrupted.')
    expect((await artdag(['help', 'render'])).stdout).toContain('--cancel-on-interrupt')
    expect((await artdag(['render', join(dir, 'missing.yaml'), '--home', join(dir, 'home')])).code).toBe(3)
    expect((await artdag(['render'])).code).toBe(2)
    expect((await artdag(['job', 'abc', '--home', join(dir, 'nohome')])).code).toBe(7)
    expect((await artdag(['completion', 'tcsh'])).stderr).toBe('artdag completion: <shell>: must be bash, zsh or fish\n')
  })
})
