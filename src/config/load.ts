import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml, YAMLParseError } from 'yaml'
import { ConfigError, errorCode, errorMessage } from '../errors.ts'
import { configSchema } from './schema.ts'
import type { Config } from './schema.ts'

/** The shipped defaults, beside the package: the file people read, a comment per key. */
export const DEFAULT_CONFIG_FILE = fileURLToPath(new URL('../../config/default.yaml', import.meta.url))

/**
 * The same defaults as JSON, what the loader reads: parsing the commented YAML took ~6 ms of
 * every command that loads the configuration (a cached render is ~300 ms). Written from the
 * YAML by scripts/config-json.ts; test/unit/config/defaults.test.ts checks they agree.
 */
export const DEFAULT_CONFIG_JSON = fileURLToPath(new URL('../../config/default.json', import.meta.url))

/** The node's own overrides in its home. */
export const HOME_CONFIG_FILE = 'config.yaml'

const ENV_PREFIX = 'ARTDAG_'
/**
 * Environment variables that are not config keys (read elsewhere): the home, the binaries,
 * bin/artdag.js's V8 flags switch, and the CLI's stack traces for internal errors.
 */
const NON_CONFIG_ENV = new Set(['ARTDAG_HOME', 'ARTDAG_FFMPEG', 'ARTDAG_FFPROBE', 'ARTDAG_NO_V8_FLAGS', 'ARTDAG_DEBUG', 'ARTDAG_WARM_RESTART'])

type Tree = Record<string, unknown>

export type ConfigOverrides = { [K in keyof Config]?: Partial<Config[K]> }

export interface LoadConfigOptions {
  home: string
  env?: Record<string, string | undefined>
  /** Values from command-line flags: the last layer. */
  flags?: ConfigOverrides
  defaultsFile?: string
  /** The home's config as a tree, instead of reading `<home>/config.yaml` (`artdag config set` checks an edit before writing it). */
  homeConfig?: Record<string, unknown> | undefined
}

export interface LoadedConfig {
  config: Config
  /** Where each key's value came from: `default`, a file path, `env ARTDAG_…`, or `flag`. */
  sources: Map<string, string>
}

function isTree (value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

async function readYamlFile (path: string, required: boolean): Promise<Tree> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err: unknown) {
    if (!required && errorCode(err) === 'ENOENT') return {}
    throw new ConfigError(`cannot read config file ${path}: ${errorMessage(err)}`, { file: path })
  }
  let doc: unknown
  try {
    doc = parseYaml(text, { uniqueKeys: true, maxAliasCount: 0 })
  } catch (err: unknown) {
    const pos = err instanceof YAMLParseError ? err.linePos?.[0] : undefined
    const where = pos != null ? ` at line ${pos.line}, column ${pos.col}` : ''
    // yaml's message is "WHAT at line L, column C:" and a snippet over several lines; the CLI
    // shows one line, so the position is given once and the fault follows it.
    const what = (errorMessage(err).split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?\s*$/, '')
    throw new ConfigError(`config file ${path} is not valid YAML${where}: ${what}; fix it there, then start again`, { file: path })
  }
  if (doc == null) return {}
  if (!isTree(doc)) throw new ConfigError(`config file ${path} must be a mapping of sections (log:, node:, exec:, …)`, { file: path })
  return doc
}

async function readJsonFile (path: string): Promise<Tree> {
  let doc: unknown
  try {
    doc = JSON.parse(await readFile(path, 'utf8'))
  } catch (err: unknown) {
    throw new ConfigError(`cannot read the shipped defaults ${path}: ${errorMessage(err)} (write it again with: node scripts/config-json.ts)`, { file: path })
  }
  if (!isTree(doc)) throw new ConfigError(`the shipped defaults ${path} are not a mapping of sections (write them again with: node scripts/config-json.ts)`, { file: path })
  return doc
}

const toCamel = (snake: string): string => snake.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())

/** ARTDAG_LEASE__TTL_MS=8000 → { lease: { ttlMs: 8000 } }, values parsed as YAML. */
export function overridesFromEnv (env: Record<string, string | undefined>): Array<{ name: string, path: string[], value: unknown }> {
  const out: Array<{ name: string, path: string[], value: unknown }> = []
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || NON_CONFIG_ENV.has(name) || raw === undefined) continue
    const path = name.slice(ENV_PREFIX.length).split('__').map(toCamel)
    let value: unknown
    try {
      value = parseYaml(raw, { maxAliasCount: 0 })
    } catch {
      throw new ConfigError(`environment variable ${name} is not a valid value: ${JSON.stringify(raw)}`, { env: name })
    }
    out.push({ name, path, value })
  }
  return out
}

function mergeInto (target: Tree, layer: Tree, source: string, sources: Map<string, string>, prefix: string[] = []): void {
  for (const [key, value] of Object.entries(layer)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      throw new ConfigError(`config key ${[...prefix, key].join('.')} (from ${source}) is not allowed`)
    }
    const path = [...prefix, key]
    const current = target[key]
    if (isTree(value) && isTree(current)) {
      mergeInto(current, value, source, sources, path)
    } else {
      // Arrays and scalars replace; a whole new subtree is copied so later layers never alias earlier ones.
      target[key] = isTree(value) ? structuredClone(value) : value
      sources.set(path.join('.'), source)
      if (isTree(value)) { for (const sub of Object.keys(value)) sources.set([...path, sub].join('.'), source) }
    }
  }
}

function setPath (tree: Tree, path: string[]): Tree {
  const layer: Tree = {}
  let cursor = layer
  path.slice(0, -1).forEach(seg => {
    cursor = (cursor[seg] = {}) as Tree
  })
  cursor[path[path.length - 1] as string] = tree
  return layer
}

/** The layer that set `key`, or the nearest ancestor that was set whole (an array, a section). */
function sourceOf (sources: Map<string, string>, key: string): string | undefined {
  let path = key.replace(/\[\d+\]/g, '')
  while (path !== '') {
    const found = sources.get(path)
    if (found != null) return found
    path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : ''
  }
  return undefined
}

/** Loads and validates the configuration: defaults → home config → env → flags. */
export async function loadConfig (options: LoadConfigOptions): Promise<LoadedConfig> {
  const sources = new Map<string, string>()
  const merged: Tree = {}
  const defaults = options.defaultsFile !== undefined ? await readYamlFile(options.defaultsFile, true) : await readJsonFile(DEFAULT_CONFIG_JSON)
  mergeInto(merged, defaults, 'default', sources)
  const homeFile = join(options.home, HOME_CONFIG_FILE)
  mergeInto(merged, options.homeConfig ?? await readYamlFile(homeFile, false), homeFile, sources)
  for (const { name, path, value } of overridesFromEnv(options.env ?? {})) {
    mergeInto(merged, setPath(value as Tree, path), `env ${name}`, sources)
  }
  if (options.flags != null) mergeInto(merged, options.flags as Tree, 'flag', sources)

  const parsed = configSchema.safeParse(merged)
  if (!parsed.success) {
    // Loaded for the message only: the wire protocol's module (and the keys it loads) and the planner's
    // suggestions are not what a valid configuration needs.
    const [{ formatIssuePath }, { closest }] = await Promise.all([import('../protocol/index.ts'), import('../plan/index.ts')])
    // The known key nearest to a misspelt one, as a full key (`exec.slots`).
    const nearestKey = (key: string, siblings: Tree, prefix: string): string | undefined => {
      const hint = closest(key, Object.keys(siblings))
      return hint !== undefined ? (prefix === '' ? hint : `${prefix}.${hint}`) : undefined
    }
    const problems = parsed.error.issues.map(issue => {
      const key = formatIssuePath(issue.path)
      // An unknown key is reported on its parent object: name the key itself.
      const unknown = issue.code === 'unrecognized_keys' ? issue.keys.map(k => key === '' ? k : `${key}.${k}`) : []
      const named = unknown.length > 0 ? unknown.join(', ') : key
      const source = sourceOf(sources, unknown[0] ?? key)
      const hint = issue.code === 'unrecognized_keys' ? nearestKey(issue.keys[0] ?? '', subtree(defaults, issue.path.map(String)), key) : undefined
      return `${named}${source != null && source !== 'default' ? ` (from ${source})` : ''}: ${issue.code === 'unrecognized_keys' ? `unknown key${hint !== undefined ? ` (did you mean ${hint}?)` : ''}` : issue.message}`
    })
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`, { problems })
  }
  return { config: parsed.data, sources }
}

/** The defaults' subtree at `path` (a section), or an empty one. */
function subtree (tree: Tree, path: readonly string[]): Tree {
  let cursor: unknown = tree
  for (const seg of path) cursor = isTree(cursor) ? cursor[seg] : undefined
  return isTree(cursor) ? cursor : {}
}

/** Every leaf key of a config tree (`exec.slots`, `node.listen`: lists are leaves). */
export function leafKeys (tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`
    return isTree(value) ? leafKeys(value, path) : [path]
  })
}

/** The shipped defaults as a tree (their keys are every key there is). */
export async function defaultConfigTree (defaultsFile: string = DEFAULT_CONFIG_FILE): Promise<Record<string, unknown>> {
  return await readYamlFile(defaultsFile, true)
}
