import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadOrCreateToken } from '../../../src/ui/token.ts'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-token-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('the dashboard token', () => {
  it('is made once, mode 0600, and kept across restarts', async () => {
    const path = join(dir, 'ui.token')
    const token = await loadOrCreateToken(path)
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await loadOrCreateToken(path)).toBe(token)
    expect((await readFile(path, 'utf8')).trim()).toBe(token)
  })

  it('tightens a loosened file, and refuses one that holds no token', async () => {
    const path = join(dir, 'ui.token')
    await loadOrCreateToken(path)
    await chmod(path, 0o644)
    await loadOrCreateToken(path)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    await writeFile(path, 'hello\n')
    await expect(loadOrCreateToken(path)).rejects.toMatchObject({ name: 'UiTokenError' })
  })
})
