import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { HOME_CONFIG_TEMPLATE, homePaths, initHome, readHomeKeys, resolveHome } from '../../../src/node/home.ts'
import { generateSwarmKey } from '../../../src/node/swarm-key.ts'

describe('resolveHome', () => {
  const base = { env: {}, homedir: '/home/ada', cwd: '/work' }
  it('prefers --home, then $ARTDAG_HOME, then ~/.artdag', () => {
    expect(resolveHome({ ...base, flag: '/srv/a', env: { ARTDAG_HOME: '/srv/b' } })).toBe('/srv/a')
    expect(resolveHome({ ...base, env: { ARTDAG_HOME: '/srv/b' } })).toBe('/srv/b')
    expect(resolveHome(base)).toBe('/home/ada/.artdag')
    expect(resolveHome({ ...base, flag: '', env: { ARTDAG_HOME: '  ' } })).toBe('/home/ada/.artdag')
  })
  it('takes relative paths from the working directory', () => {
    expect(resolveHome({ ...base, flag: 'nodes/a' })).toBe('/work/nodes/a')
    expect(resolveHome({ ...base, env: { ARTDAG_HOME: './b' } })).toBe('/work/b')
  })
})

describe('initHome', () => {
  let dir: string
  let home: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'artdag-home-'))
    home = join(dir, 'node')
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777

  it('creates the home (0700), a 0600 identity and swarm key, and a commented config', async () => {
    const result = await initHome({ home })
    const paths = homePaths(home)
    expect(result).toMatchObject({ existed: false, identity: 'created', swarmKey: 'created', config: 'created' })
    expect(result.peerId).toMatch(/^12D3KooW/)
    expect(await mode(home)).toBe(0o700)
    expect(await mode(paths.identityKey)).toBe(0o600)
    expect(await mode(paths.swarmKey)).toBe(0o600)
    expect(await readFile(paths.config, 'utf8')).toBe(HOME_CONFIG_TEMPLATE)
    expect(await readFile(paths.swarmKey, 'utf8')).toMatch(/^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}\n$/)
    const keys = await readHomeKeys(paths)
    expect(keys.identity.peerId.toString()).toBe(result.peerId)
    expect(keys.identity.privateKey.type).toBe('Ed25519')
  })

  it('run again, keeps the identity, the swarm key and the config and says so', async () => {
    const first = await initHome({ home })
    const swarmKey = await readFile(homePaths(home).swarmKey)
    await writeFile(homePaths(home).config, 'log:\n  level: debug\n')
    const again = await initHome({ home })
    expect(again).toMatchObject({ existed: true, identity: 'existing', swarmKey: 'existing', config: 'existing', peerId: first.peerId })
    expect(await readFile(homePaths(home).swarmKey)).toEqual(swarmKey)
    expect(await readFile(homePaths(home).config, 'utf8')).toBe('log:\n  level: debug\n')
  })

  it('copies a given swarm key, so the machines of a cluster share one', async () => {
    const keyFile = join(dir, 'cluster.key')
    const key = generateSwarmKey()
    await writeFile(keyFile, key)
    expect((await initHome({ home, swarmKeyFile: keyFile })).swarmKey).toBe('copied')
    expect(await readHomeKeys(homePaths(home)).then(k => new TextDecoder().decode(k.swarmKey))).toBe(new TextDecoder().decode(key))
    expect((await initHome({ home, swarmKeyFile: keyFile })).swarmKey).toBe('existing')
  })

  it('replaces a different swarm key only when asked', async () => {
    await initHome({ home })
    const keyFile = join(dir, 'other.key')
    await writeFile(keyFile, generateSwarmKey())
    await expect(initHome({ home, swarmKeyFile: keyFile })).rejects.toThrow(expect.objectContaining({
      name: 'SwarmKeyExistsError',
      message: expect.stringContaining(`${homePaths(home).swarmKey} already holds a different swarm key than ${keyFile}`)
    }))
    const result = await initHome({ home, swarmKeyFile: keyFile, replaceSwarmKey: true })
    expect(result).toMatchObject({ swarmKey: 'replaced', identity: 'existing' })
    expect(await readFile(homePaths(home).swarmKey)).toEqual(await readFile(keyFile).then(b => Buffer.concat([b, Buffer.from('\n')])))
    expect(await mode(homePaths(home).swarmKey)).toBe(0o600)
  })

  it('refuses a malformed swarm key file, naming it, and creates nothing', async () => {
    const keyFile = join(dir, 'bad.key')
    await writeFile(keyFile, '/key/swarm/psk/1.0.0/\n/base16/\nnot-hex\n')
    await expect(initHome({ home, swarmKeyFile: keyFile })).rejects.toThrow(`swarm key ${keyFile}: line 3 must be 64 hex digits`)
    await expect(stat(homePaths(home).swarmKey)).rejects.toThrow(/ENOENT/)
  })

  it('names an unreadable identity key instead of replacing it', async () => {
    await initHome({ home })
    await writeFile(homePaths(home).identityKey, 'garbage')
    await expect(initHome({ home })).rejects.toThrow(expect.objectContaining({
      name: 'IdentityKeyInvalidError',
      message: expect.stringContaining(`identity key ${homePaths(home).identityKey} is not a libp2p private key`)
    }))
    expect(await readFile(homePaths(home).identityKey, 'utf8')).toBe('garbage')
  })

  it('refuses a home path that is a file', async () => {
    await writeFile(home, 'x')
    await expect(initHome({ home })).rejects.toThrow(expect.objectContaining({ name: 'HomeInvalidError', message: `home ${home} exists and is not a directory` }))
  })

  it('says to run init when the keys are missing', async () => {
    await expect(readHomeKeys(homePaths(dir))).rejects.toThrow(expect.objectContaining({
      name: 'HomeNotInitializedError',
      message: `${join(dir, 'identity.key')} does not exist: run \`artdag init\` (home ${dir})`
    }))
  })
})
