import { defineConfig } from 'oxlint'
import type { OxlintOverride } from 'oxlint'
import leadExclusions from './lint-exclusions.json' with { type: 'json' }

/*
 * Lint: oxlint with its type-aware checker (oxlint-tsgolint, built on
 * TypeScript 7's own checker; typescript-eslint cannot run on TypeScript 7).
 * `npm run lint`; `npm test` runs it with zero findings allowed.
 * docs/ARCHITECTURE.md ("Rules the tools enforce") says what each rule is for.
 */

/** The top-level folders of src/. */
const FOLDERS = ['api', 'cli', 'config', 'daemon', 'discovery', 'engine', 'exec', 'jobs', 'lease', 'lifecycle', 'membership', 'node', 'plan', 'protocol', 'store', 'ui'] as const
type Folder = typeof FOLDERS[number]

/** Modules that do I/O: pure cores import none of them. */
const IO_PACKAGES = [
  'node:fs',
  'node:fs/*',
  'node:net',
  'node:http',
  'node:https',
  'node:child_process',
  'node:dgram',
  'node:worker_threads',
  'libp2p',
  '@libp2p/*',
  '!@libp2p/interface',
  '!@libp2p/peer-id',
  '!@libp2p/crypto',
  '!@libp2p/crypto/*',
  'helia',
  '@helia/*',
  'blockstore-*',
  'datastore-*',
  'fastify'
]

/** Services: they import nothing of the CLI or the daemon's glue, and only types from the API. */
const SERVICES: readonly Folder[] = ['membership', 'jobs', 'store', 'discovery', 'exec', 'engine']

interface Arrow {
  folders: readonly string[]
  packages?: readonly string[]
  typesOnly?: boolean
  daemonEntry?: boolean
  why: string
}

/** What each folder may not import (docs/ARCHITECTURE.md, "Arrows"). */
function arrowsOf (unit: string): Arrow[] {
  const arrows: Arrow[] = []
  const top = unit.split('/')[0] as Folder
  if (SERVICES.includes(top)) {
    arrows.push({ folders: ['cli', 'daemon'], daemonEntry: true, why: "a service imports nothing of the CLI or the daemon's glue: take what you need as a component" })
    arrows.push({ folders: ['api'], typesOnly: true, why: "a service may use the API's shared types (import type), never its code" })
  }
  if (['plan', 'lease', 'protocol', 'membership/core', 'jobs/core'].includes(unit)) {
    arrows.push({
      folders: ['node', 'exec', 'store', 'api', 'daemon', 'discovery', 'engine', 'membership', 'jobs', 'cli'].filter(f => !unit.startsWith(f)),
      packages: IO_PACKAGES,
      why: 'a pure core does no I/O (no file system, network, processes, libp2p or Helia) and imports no adapter'
    })
  }
  if (top === 'exec') arrows.push({ folders: ['node', 'lease', 'protocol', 'api'], why: 'exec runs ffmpeg and knows nothing of libp2p, leases, wire messages or the socket' })
  if (top === 'cli') {
    arrows.push({
      folders: ['config', 'daemon', 'discovery', 'jobs', 'lease', 'lifecycle', 'membership', 'node', 'protocol', 'store'],
      why: "the CLI reaches the daemon only through the API client (src/api), and does in-process work only through the engine's entry (src/engine/local.ts); `artdag daemon` alone starts src/daemon.ts"
    })
  }
  return arrows
}

type Pattern = { regex: string, message: string } | { group: string[], message: string, allowTypeImports?: boolean }

/**
 * A last path segment other than `index.ts`, as a regular expression without
 * look-ahead (oxlint's regexes have none). Negated globs (`!x/index.ts`) are no
 * use here: oxlint applies a negation to every group of the rule.
 */
const NOT_INDEX = '(?:[^/]{0,7}|[^/]{9,}|[^i/][^/]{7}|i[^n/][^/]{6}|in[^d/][^/]{5}|ind[^e/][^/]{4}|inde[^x/][^/]{3}|index[^./][^/]{2}|index\\.[^t/][^/]|index\\.t[^s/])'

/** Patterns on the import string of a file `depth` folders below src/ (0: src/daemon.ts and the other root files). */
function patternsFor (unit: string, depth: number): Pattern[] {
  const up = depth === 0 ? './' : '../'.repeat(depth)
  const upRegex = up.replace(/\./g, '\\.')
  const surface = "import another folder through its index.ts (or a subfolder's, such as api/server/index.ts), its public surface; export what you need there"
  const patterns: Pattern[] = [
    { regex: `^${upRegex}[^/]+/(?:[^/]+/)?${NOT_INDEX}$`, message: surface },
    { regex: `^${upRegex}[^/]+/[^/]+/[^/]+/`, message: surface }
  ]
  for (const arrow of arrowsOf(unit)) {
    const group = [...arrow.folders.map(f => `${up}${f}/**`), ...(arrow.daemonEntry === true ? [`${up}daemon.ts`] : []), ...(arrow.packages ?? [])]
    patterns.push({ group, message: arrow.why, ...(arrow.typesOnly === true ? { allowTypeImports: true } : {}) })
  }
  return patterns
}

const override = (files: string[], unit: string, depth: number): OxlintOverride => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: patternsFor(unit, depth) }] }
})

const boundaries: OxlintOverride[] = [
  override(['src/*.ts'], '', 0),
  ...FOLDERS.flatMap(folder => [1, 2, 3].map(depth => override([`src/${folder}/${'*/'.repeat(depth - 1)}*.ts`], folder, depth))),
  // Pure cores inside a service folder: later overrides win.
  override(['src/membership/core/*.ts'], 'membership/core', 2),
  override(['src/jobs/core/*.ts'], 'jobs/core', 2)
]

export default defineConfig({
  plugins: ['eslint', 'typescript', 'unicorn', 'oxc'],
  categories: { correctness: 'error' },
  options: { typeAware: true, reportUnusedDisableDirectives: 'error' },
  rules: {
    'typescript/no-floating-promises': 'error',
    'typescript/no-misused-promises': 'error',
    'typescript/no-explicit-any': 'error',
    'typescript/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    // CIDs, peer ids and multiaddrs print themselves well; anything else is spelt out (String(x)).
    'typescript/restrict-template-expressions': ['error', {
      allowNumber: true,
      allowBoolean: true,
      allow: [
        { from: 'package', name: ['CID'], package: 'multiformats' },
        { from: 'package', name: ['Multiaddr'], package: '@multiformats/multiaddr' },
        { from: 'package', name: ['PeerId', 'Ed25519PeerId', 'RSAPeerId', 'Secp256k1PeerId', 'URLPeerId'], package: '@libp2p/interface' }
      ]
    }]
  },
  overrides: boundaries,
  // lint-exclusions.json: the paths being rewritten (JobService → a driver and ports), left out of
  // lint and format (dprint.json extends it) until they pass; then the file goes.
  ignorePatterns: ['test/fixtures/**', ...leadExclusions.excludes]
})
