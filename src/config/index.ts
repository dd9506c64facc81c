/**
 * The configuration: its schema, loading (default.yaml → home config → env →
 * flags) and validation, and the home's layout (where a home is, what is in it).
 */
export { DEFAULT_HOME_DIR, homePaths, resolveHome } from './home-layout.ts'
export type { HomePaths, ResolveHomeInput } from './home-layout.ts'
export { loadConfig } from './load.ts'
export type { ConfigOverrides, LoadConfigOptions, LoadedConfig } from './load.ts'
export type { Config } from './schema.ts'
