import { defineConfig } from 'vitest/config'

/**
 * Tests by layer (docs/ARCHITECTURE.md): `unit` (pure cores, fake clock), `integration`
 * (several nodes in one process), `e2e` (real daemons and the CLI in temporary homes),
 * `sim` (the deterministic simulator of the protocols). `npm run test:<layer>` runs one;
 * `npm test` runs lint, the format check, the types and every layer.
 */
const layers = ['unit', 'integration', 'e2e', 'sim'] as const

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Network and media tests each start real nodes and ffmpeg: two cores, so two files at a time.
    maxWorkers: 2,
    reporters: ['default'],
    projects: layers.map(layer => ({
      extends: true,
      // The simulator is pure CPU: thousands of seeded runs take seconds alone and minutes on a
      // loaded machine. Its bound is generous so that load alone never fails it.
      test: { name: layer, include: [`test/${layer}/**/*.test.ts`], ...(layer === 'sim' ? { testTimeout: 900_000 } : {}) }
    }))
  }
})
