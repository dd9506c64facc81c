import { randomBytes } from 'node:crypto'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse as parseYaml, parseDocument } from 'yaml'
import { ConfigError, errorCode } from '../errors.ts'
import { closest } from '../plan/index.ts'
import { defaultConfigTree, HOME_CONFIG_FILE, leafKeys, loadConfig } from './load.ts'

/**
 * `artdag config get [KEY]` and `config set KEY VALUE`: a key's value and
 * where it comes from, and an edit of the home's config.yaml (its comments
 * kept) that is checked against the whole configuration before it is
 * written. A key that does not exist is refused with the nearest one named.
 */

export interface ConfigValue {
  key: string
  value: unknown
  source: string
}

function at (tree: unknown, key: string): unknown {
  let cursor = tree
  for (const seg of key.split('.')) cursor = typeof cursor === 'object' && cursor !== null && !Array.isArray(cursor) ? (cursor as Record<string, unknown>)[seg] : undefined
  return cursor
}

async function knownKey (key: string): Promise<void> {
  const keys = leafKeys(await defaultConfigTree())
  if (keys.includes(key)) return
  const sections = [...new Set(keys.map(k => k.slice(0, k.lastIndexOf('.'))))]
  const hint = sections.includes(key) ? undefined : closest(key, keys)
  const section = keys.filter(k => k.startsWith(`${key}.`))
  const why = section.length > 0 ? `it is a section; its keys: ${section.join(', ')}` : hint !== undefined ? `did you mean ${hint}?` : 'config/default.yaml lists every key'
  throw new ConfigError(`config key ${key} does not exist (${why})`, { key })
}

/** Every config key (`exec.slots`, …), for completion. */
export async function configKeys (): Promise<string[]> {
  return leafKeys(await defaultConfigTree())
}

/** Every key's value and source (`default`, the home's file, `env ARTDAG_…`). */
export async function configValues (home: string, env: Record<string, string | undefined>): Promise<ConfigValue[]> {
  const { config, sources } = await loadConfig({ home, env })
  return leafKeys(await defaultConfigTree()).map(key => ({ key, value: at(config, key), source: sourceFor(sources, key) }))
}

export async function configValue (home: string, env: Record<string, string | undefined>, key: string): Promise<ConfigValue> {
  await knownKey(key)
  const { config, sources } = await loadConfig({ home, env })
  return { key, value: at(config, key), source: sourceFor(sources, key) }
}

function sourceFor (sources: Map<string, string>, key: string): string {
  let path = key
  while (path !== '') {
    const found = sources.get(path)
    if (found != null) return found
    path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : ''
  }
  return 'default'
}

/**
 * Sets `key` to `raw` (read as YAML: `4`, `true`, `[/ip4/…]`, `null`) in the home's
 * config.yaml, keeping its comments. The result must be a valid configuration
 * (every key is checked, as a daemon's start would), else nothing is written.
 */
export async function setConfigValue (home: string, env: Record<string, string | undefined>, key: string, raw: string): Promise<ConfigValue> {
  await knownKey(key)
  let value: unknown
  try {
    value = parseYaml(raw, { maxAliasCount: 0 })
  } catch {
    throw new ConfigError(`${key}: ${JSON.stringify(raw)} is not a value (write it as in YAML: 4, true, null, "text", [a, b])`, { key })
  }
  const file = join(home, HOME_CONFIG_FILE)
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    if (errorCode(err) === 'ENOENT') return ''
    throw err
  })
  const doc = parseDocument(text, { uniqueKeys: true })
  if (doc.errors.length > 0) throw new ConfigError(`config file ${file} is not valid YAML: ${doc.errors[0]?.message ?? ''}`, { file })
  doc.setIn(key.split('.'), value)
  // Checked with the environment left out: the file must be valid on its own.
  const homeConfig = (doc.toJS() ?? {}) as Record<string, unknown>
  const { config, sources } = await loadConfig({ home, env: {}, homeConfig })
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`
  try {
    await writeFile(tmp, doc.toString(), { mode: 0o600 })
    await rename(tmp, file)
  } catch (err: unknown) {
    await rm(tmp, { force: true })
    throw err
  }
  const overridden = Object.keys(env).find(name => name === `ARTDAG_${key.split('.').map(s => s.replace(/[A-Z]/g, c => `_${c}`).toUpperCase()).join('__')}`)
  return { key, value: at(config, key), source: overridden !== undefined ? `${sourceFor(sources, key)} (but ${overridden} overrides it here)` : sourceFor(sources, key) }
}
