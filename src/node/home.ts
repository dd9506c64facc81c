import { randomBytes } from 'node:crypto'
import { errorCode, errorMessage } from '../errors.ts'
import { chmod, link, mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises'
import { HomeInvalidError, HomeNotInitializedError, SwarmKeyExistsError } from './errors.ts'
import { encodeIdentity, generateIdentity, readIdentity, readPeerId } from './identity.ts'
import { generateSwarmKey, readSwarmKey } from './swarm-key.ts'
import { homePaths } from '../config/index.ts'
import type { HomePaths } from '../config/index.ts'
import type { Identity } from './identity.ts'
import type { AbortOptions } from '../lifecycle/index.ts'

// Where a home is and what is in it is pure path logic in src/config/ (the CLI finds a home without libp2p).
export { DEFAULT_HOME_DIR, homePaths, resolveHome } from '../config/index.ts'
export type { HomePaths, ResolveHomeInput } from '../config/index.ts'

export interface InitHomeOptions extends AbortOptions {
  home: string
  /** A swarm key file to copy in (every machine of a cluster shares one); generated when absent. */
  swarmKeyFile?: string | undefined
  /** Replace an existing, different swarm key (with `swarmKeyFile`, or a new one). */
  replaceSwarmKey?: boolean | undefined
}

export type FileOutcome = 'created' | 'existing'

export interface InitHomeResult {
  paths: HomePaths
  /** Whether the home directory was already there. */
  existed: boolean
  peerId: string
  identity: FileOutcome
  swarmKey: FileOutcome | 'copied' | 'replaced'
  config: FileOutcome
}

export const HOME_CONFIG_TEMPLATE = `# This node's settings: overrides of artdag's defaults (config/default.yaml lists
# every key with its documentation). Environment variables (ARTDAG_<SECTION>__<KEY>)
# and command-line flags override this file. Uncomment what you need, e.g.:
#
# node:
#   listen:
#     - /ip4/0.0.0.0/tcp/4101
#   bootstrap:
#     - /ip4/10.0.0.2/tcp/4101
`

/**
 * Creates a home, or completes one: an existing identity is never replaced, an
 * existing swarm key only when asked. The result says what was created and
 * what was already there.
 */
export async function initHome (options: InitHomeOptions): Promise<InitHomeResult> {
  const paths = homePaths(options.home)
  const existed = await ensureHomeDir(paths.home)
  options.signal?.throwIfAborted()

  let identity: Identity
  let identityOutcome: FileOutcome
  if (await exists(paths.identityKey)) {
    identity = await readIdentity(paths.identityKey)
    identityOutcome = 'existing'
  } else {
    identity = await generateIdentity()
    await writeSecretFile(paths.identityKey, await encodeIdentity(identity.privateKey), { overwrite: false })
    identityOutcome = 'created'
  }
  options.signal?.throwIfAborted()

  const swarmKey = await initSwarmKey(paths.swarmKey, options)

  let config: FileOutcome = 'existing'
  if (!(await exists(paths.config))) {
    await writeFile(paths.config, HOME_CONFIG_TEMPLATE, { mode: 0o600, flag: 'wx' })
    config = 'created'
  }

  return { paths, existed, peerId: identity.peerId.toString(), identity: identityOutcome, swarmKey, config }
}

async function initSwarmKey (path: string, options: InitHomeOptions): Promise<InitHomeResult['swarmKey']> {
  const given = options.swarmKeyFile != null ? await readSwarmKey(options.swarmKeyFile) : undefined
  if (!(await exists(path))) {
    await writeSecretFile(path, withNewline(given ?? generateSwarmKey()), { overwrite: false })
    return given != null ? 'copied' : 'created'
  }
  const current = await readSwarmKey(path)
  if (given != null && sameBytes(given, current)) return 'existing'
  if (given == null && options.replaceSwarmKey !== true) return 'existing'
  if (options.replaceSwarmKey !== true) {
    throw new SwarmKeyExistsError(
      `${path} already holds a different swarm key than ${options.swarmKeyFile ?? ''}; ask to replace it (artdag init --replace-swarm-key) to switch networks`,
      { file: path }
    )
  }
  await writeSecretFile(path, withNewline(given ?? generateSwarmKey()), { overwrite: true })
  return 'replaced'
}

/** Reads a home's identity and swarm key; a missing file says to run `artdag init`. */
export async function readHomeKeys (paths: HomePaths): Promise<{ identity: Identity, swarmKey: Uint8Array }> {
  for (const file of [paths.identityKey, paths.swarmKey]) {
    if (!(await exists(file))) {
      throw new HomeNotInitializedError(`${file} does not exist: run \`artdag init\` (home ${paths.home})`, { file, home: paths.home })
    }
  }
  return { identity: await readIdentity(paths.identityKey), swarmKey: await readSwarmKey(paths.swarmKey) }
}

/** The peer id of the home's identity, if it has one (the embedded engine can run without), read without libp2p's keys (readPeerId). */
export async function readOptionalPeerId (paths: HomePaths): Promise<string | undefined> {
  if (!(await exists(paths.identityKey))) return undefined
  return await readPeerId(paths.identityKey)
}

/** Creates the home (mode 0700) if missing; returns whether it existed. */
export async function ensureHomeDir (home: string): Promise<boolean> {
  try {
    const s = await stat(home)
    if (!s.isDirectory()) throw new HomeInvalidError(`home ${home} exists and is not a directory`, { home })
    return true
  } catch (err: unknown) {
    if (errorCode(err) !== 'ENOENT') {
      if (err instanceof HomeInvalidError) throw err
      throw new HomeInvalidError(`cannot use home ${home}: ${errorCode(err) ?? errorMessage(err)}`, { home }, { cause: err })
    }
  }
  try {
    await mkdir(home, { recursive: true, mode: 0o700 })
    await chmod(home, 0o700)
  } catch (err: unknown) {
    throw new HomeInvalidError(`cannot create home ${home}: ${errorCode(err) ?? errorMessage(err)}`, { home }, { cause: err })
  }
  return false
}

/** Writes a 0600 file atomically: a temporary name, then linked (no overwrite) or renamed into place. */
async function writeSecretFile (path: string, bytes: Uint8Array, { overwrite }: { overwrite: boolean }): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`
  await writeFile(tmp, bytes, { mode: 0o600, flag: 'wx' })
  try {
    await chmod(tmp, 0o600)
    if (overwrite) {
      await rename(tmp, path)
      return
    }
    await link(tmp, path)
  } catch (err: unknown) {
    if (errorCode(err) === 'EEXIST') throw new HomeInvalidError(`${path} appeared while initialising the home (another \`artdag init\`?)`, { file: path })
    throw err
  } finally {
    // The temporary file is gone once linked into place; either way there is nothing left to clean.
    await unlink(tmp).catch(() => {})
  }
}

async function exists (path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (err: unknown) {
    if (errorCode(err) === 'ENOENT') return false
    throw err
  }
}

function withNewline (key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.byteLength + 1)
  out.set(key)
  out[key.byteLength] = 0x0a
  return out
}

function sameBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i])
}
