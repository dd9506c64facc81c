import type { LoadConfigOptions, LoadedConfig } from './load.ts'

/**
 * The configuration: its schema, loading (default.yaml → home config → env →
 * flags) and validation, and the home's layout (where a home is, what is in it).
 * The loader (YAML, the schema) is imported on first use: a client that only
 * needs the home's layout does not load it.
 */
export { DEFAULT_HOME_DIR, homePaths, resolveHome } from './home-layout.ts'
export type { HomePaths, ResolveHomeInput } from './home-layout.ts'
export type { ConfigOverrides, LoadConfigOptions, LoadedConfig } from './load.ts'
export type { Config } from './schema.ts'

/** Loads and validates the configuration: defaults → home config → env → flags. */
export async function loadConfig (options: LoadConfigOptions): Promise<LoadedConfig> {
  const { loadConfig: load } = await import('./load.ts')
  return await load(options)
}

/** Loads what loadConfig loads, without loading a configuration. */
export async function loadConfigModules (): Promise<void> {
  await import('./load.ts')
}

/** `artdag config get/set` (./edit.ts), loaded on use. */
export async function configEditor (): Promise<typeof import('./edit.ts')> {
  return await import('./edit.ts')
}
