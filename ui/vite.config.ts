import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

/**
 * The dashboard's build: ui/ → dist/ui/ (served by the daemon, src/ui/assets.ts).
 * Preact through the automatic JSX runtime; the page imports the API's own
 * route table and schemas from src/api/, so server, CLI and page share them.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // One small app: a single chunk keeps the page to three requests.
    chunkSizeWarningLimit: 1024
  }
})
