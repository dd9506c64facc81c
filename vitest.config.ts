import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Network and media tests each start real nodes and ffmpeg: two cores, so two files at a time.
    maxWorkers: 2,
    reporters: ['default']
  }
})
