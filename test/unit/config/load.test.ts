import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../../src/config/load.ts'

describe('config loading', () => {
  let home: string
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'artdag-config-'))
  })
  afterEach(async () => {
    await rm(home, { recursive: true, force: true })
  })

  it('loads the shipped defaults when the home has no config', async () => {
    const { config, sources } = await loadConfig({ home })
    expect(config.topics.heartbeat).toBe('artdag/v1/nodes/heartbeat')
    expect(config.dht.protocol).toBe('/artdag/kad/1.0.0')
    expect(config.node.listen).toEqual(['/ip4/0.0.0.0/tcp/4101'])
    expect(sources.get('lease.ttlMs')).toBe('default')
  })

  it('layers home config, then env, then flags', async () => {
    await writeFile(join(home, 'config.yaml'), 'exec:\n  slots: 3\n  threads: 2\nlease:\n  ttlMs: 9000\n')
    const { config, sources } = await loadConfig({
      home,
      env: { ARTDAG_EXEC__THREADS: '1', ARTDAG_DISCOVERY__TAILSCALE__ENABLED: 'true', ARTDAG_NODE__BOOTSTRAP: '[/ip4/10.0.0.2/tcp/4101]', ARTDAG_HOME: '/ignored', ARTDAG_NO_V8_FLAGS: '1', ARTDAG_DEBUG: '1', ARTDAG_FFMPEG: '/x' },
      flags: { lease: { ttlMs: 7000 } }
    })
    expect(config.exec.slots).toBe(3)
    expect(sources.get('exec.slots')).toBe(join(home, 'config.yaml'))
    expect(config.exec.threads).toBe(1)
    expect(sources.get('exec.threads')).toBe('env ARTDAG_EXEC__THREADS')
    expect(config.discovery.tailscale.enabled).toBe(true)
    expect(config.node.bootstrap).toEqual(['/ip4/10.0.0.2/tcp/4101'])
    expect(config.lease.ttlMs).toBe(7000)
    expect(sources.get('lease.ttlMs')).toBe('flag')
    // Keys not overridden keep their defaults.
    expect(config.lease.renewIntervalMs).toBe(2000)
  })

  it('names the key and the file of an invalid value', async () => {
    await writeFile(join(home, 'config.yaml'), 'exec:\n  slots: -2\n')
    await expect(loadConfig({ home })).rejects.toThrow(/exec\.slots \(from .*config\.yaml\): .*>=\s*0/)
  })

  it('names a misspelt key', async () => {
    await writeFile(join(home, 'config.yaml'), 'lease:\n  ttl: 5000\n')
    await expect(loadConfig({ home })).rejects.toThrow(/lease\.ttl.*unknown key/)
  })

  it('names an env var with a bad value', async () => {
    await expect(loadConfig({ home, env: { ARTDAG_MEMBERSHIP__HEARTBEAT_INTERVAL_MS: 'soon' } }))
      .rejects.toThrow(/membership\.heartbeatIntervalMs \(from env ARTDAG_MEMBERSHIP__HEARTBEAT_INTERVAL_MS\)/)
  })

  it('takes a source address for outgoing connections (node.dialFrom), and names the key of one that is no IP', async () => {
    expect((await loadConfig({ home })).config.node.dialFrom).toBe(null)
    expect((await loadConfig({ home, env: { ARTDAG_NODE__DIAL_FROM: '100.64.0.7' } })).config.node.dialFrom).toBe('100.64.0.7')
    await expect(loadConfig({ home, env: { ARTDAG_NODE__DIAL_FROM: 'tailnet' } })).rejects.toThrow(/node\.dialFrom \(from env ARTDAG_NODE__DIAL_FROM\)/)
  })

  it('rejects an unknown env key by name', async () => {
    await expect(loadConfig({ home, env: { ARTDAG_EXEC__SLOTZ: '2' } })).rejects.toThrow(/exec\.slotz.*unknown key/)
  })

  it('rejects a bad multiaddr flag by key', async () => {
    await expect(loadConfig({ home, flags: { node: { bootstrap: ['10.0.0.2:4101'] } } }))
      .rejects.toThrow(/node\.bootstrap\[0\] \(from flag\): not a multiaddr/)
  })

  it('checks timings against each other', async () => {
    await expect(loadConfig({ home, flags: { membership: { suspectAfterMs: 20000 } } }))
      .rejects.toThrow(/membership\.deadAfterMs: must be longer than membership\.suspectAfterMs/)
    await expect(loadConfig({ home, flags: { lease: { ttlMs: 3000, renewIntervalMs: 2000 } } }))
      .rejects.toThrow(/lease\.renewIntervalMs \(from flag\): must be at most half of lease\.ttlMs/)
    // A step timeout raised past the hold bound: an honest holder would be taken over while it runs.
    await expect(loadConfig({ home, flags: { exec: { stepTimeoutMs: 7_200_000 } } }))
      .rejects.toThrow(/lease\.maxHoldMs: must be longer than exec\.stepTimeoutMs \+ lease\.ttlMs \(7206000\).*Raise lease\.maxHoldMs/)
  })

  it('reports YAML syntax errors with the file and line', async () => {
    await writeFile(join(home, 'config.yaml'), 'exec:\n  slots: [1\n')
    await expect(loadConfig({ home })).rejects.toThrow(/config\.yaml is not valid YAML at line \d/)
  })

  it('says what is wrong in a YAML error on its one line, not only where', async () => {
    await writeFile(join(home, 'config.yaml'), 'exec:\n slots: 2\n  foo: [\n')
    const err = await loadConfig({ home }).then(() => undefined, (e: unknown) => e as Error)
    const [line] = err?.message.split('\n') ?? []
    expect(line).toMatch(/config\.yaml is not valid YAML at line 2, column 9: Nested mappings are not allowed in compact mappings; fix it there/)
  })

  it('refuses prototype keys', async () => {
    await writeFile(join(home, 'config.yaml'), '__proto__:\n  polluted: true\n')
    await expect(loadConfig({ home })).rejects.toThrow(/not allowed/)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
