import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * bin/artdag.js resolves datastore-level's import of datastore-core's entry to the one module
 * it uses (`datastore-core/base`): the entry loads every datastore of the package, and
 * @libp2p/logger with its tiered one. A datastore-level that imports anything else from the
 * package would fail to link there: this test says so first.
 */

describe("bin/artdag.js's narrowed imports", () => {
  it('datastore-level imports from datastore-core only what datastore-core/base exports', async () => {
    const entry = fileURLToPath(import.meta.resolve('datastore-level'))
    expect(entry).toMatch(/\/node_modules\/datastore-level\/dist\/src\/index\.js$/)
    const source = await readFile(entry, 'utf8')
    // One import of the entry, of named bindings (no default, namespace or re-export).
    expect(source.match(/from\s+['"]datastore-core['"]/g)).toHaveLength(1)
    const named = /^import\s+\{([^}]*)\}\s+from\s+'datastore-core'/m.exec(source)
    const names = (named?.[1] ?? '').split(',').map(name => name.trim().split(/\s+as\s+/)[0] ?? '').filter(name => name !== '')
    expect(names.length).toBeGreaterThan(0)
    // datastore-level has no copy of its own: the one resolved here is the one it gets.
    await expect(stat(join(entry, '../../../node_modules/datastore-core'))).rejects.toMatchObject({ code: 'ENOENT' })
    const base = await import('datastore-core/base') as Record<string, unknown>
    for (const name of names) expect(base[name], name).toBeTypeOf('function')
  })
})
