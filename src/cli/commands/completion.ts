import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { value } from '../output.ts'

const shells = ['bash', 'zsh', 'fish'] as const

export default defineCommand({
  name: 'completion',
  summary: 'print the shell completion script for bash, zsh or fish',
  group: 'Setup',
  order: 6,
  args: [{ name: 'shell', description: 'bash, zsh or fish' }],
  input: z.object({ shell: z.enum(shells, { error: 'must be bash, zsh or fish' }) }),
  examples: ['eval "$(artdag completion bash)"   # in ~/.bashrc', 'eval "$(artdag completion zsh)"    # in ~/.zshrc, after compinit', 'artdag completion fish > ~/.config/fish/completions/artdag.fish'],
  async run ({ shell }) {
    const [{ loadCommands }, { completionScript }, { configEditor }] = await Promise.all([import('../registry.ts'), import('../completion.ts'), import('../../engine/index.ts')])
    const script = completionScript(shell, await loadCommands(), await (await configEditor()).configKeys())
    return value({ shell, script }, script.trimEnd())
  }
})
