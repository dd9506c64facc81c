import { z } from 'zod'
import { defineCommand } from '../command.ts'
import { fields } from '../output.ts'

export default defineCommand({
  name: 'init',
  summary: 'create the home: identity key, swarm key, config (an existing identity is kept)',
  group: 'Setup',
  order: 1,
  options: {
    swarmKey: { flags: '--swarm-key <file>', description: 'join an existing network: copy its swarm.key (every machine shares one)' },
    replaceSwarmKey: { flags: '--replace-swarm-key', description: 'replace a different swarm key already in the home' }
  },
  input: z.object({ swarmKey: z.string().min(1).optional(), replaceSwarmKey: z.boolean().optional() }),
  examples: ['artdag init', 'artdag init --swarm-key /mnt/share/swarm.key'],
  async run ({ swarmKey, replaceSwarmKey }, ctx) {
    // Loaded here: the key handling pulls in libp2p's crypto, which `--help` does not need.
    const { initHome } = await import('../../engine/index.ts')
    const result = await initHome({
      home: ctx.home,
      swarmKeyFile: swarmKey,
      replaceSwarmKey,
      signal: ctx.signal
    })
    const data = {
      home: result.paths.home,
      existed: result.existed,
      peer: result.peerId,
      identity: result.identity,
      swarmKey: result.swarmKey,
      config: result.config
    }
    return fields(data, [
      ['home', `${data.home}${data.existed ? '' : ' (created)'}`],
      ['peer', data.peer],
      ['identity', `${result.paths.identityKey} (${data.identity})`],
      ['swarm key', `${result.paths.swarmKey} (${data.swarmKey})`],
      ['config', `${result.paths.config} (${data.config})`]
    ])
  }
})
