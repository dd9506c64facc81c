import { chmod, chown, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportTarget, processIdentity } from '../../../src/api/server/export-target.ts'
import { harnessPerTest } from './fixtures.ts'
import { rawRequest } from './helpers.ts'

/**
 * `POST /v1/content/:cid/export` writes only where the daemon's own user
 * could (by the permission bits, root's override unused), into the real
 * directory, and refuses `..` segments and control bytes with a 400.
 */
const start = harnessPerTest()
const me = processIdentity()!
/** A user that is not us, and in none of our groups. */
const stranger = { uid: me.uid + 4242, gids: new Set([me.uid + 4242]) }

let dir: string
beforeAll(async () => {
  // Open to all (mkdtemp makes it 0700): what is refused below is refused for the directories made in it.
  dir = await realpath(await mkdtemp(join(tmpdir(), 'artdag-export-')))
  await chmod(dir, 0o755)
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('export target', () => {
  it('writes in the real directory: a symlinked directory resolves, the file name stays', async () => {
    await mkdir(join(dir, 'real'))
    await symlink(join(dir, 'real'), join(dir, 'link'))
    expect(await exportTarget(join(dir, 'link', 'out.bin'), me)).toBe(join(dir, 'real', 'out.bin'))
  })

  it("refuses a directory its user cannot write in, or cannot enter, whoever owns the daemon's process", async () => {
    const own = join(dir, 'private')
    await mkdir(own, { mode: 0o700 })
    await chmod(own, 0o700)
    // For a stranger, our 0700 directory is another user's 0700 directory.
    await expect(exportTarget(join(own, 'x.bin'), stranger)).rejects.toMatchObject({ name: 'ExportPathError', message: expect.stringContaining(`may not write in ${own}`) })
    await mkdir(join(own, 'open'), { mode: 0o777 })
    await chmod(join(own, 'open'), 0o777)
    await expect(exportTarget(join(own, 'open', 'x.bin'), stranger)).rejects.toMatchObject({ name: 'ExportPathError', message: expect.stringContaining(`may not enter ${own}`) })
    expect(await exportTarget(join(own, 'x.bin'), me)).toMatch(/x\.bin$/)
  })

  it('refuses to replace a file of another user in a sticky directory', async () => {
    const sticky = join(dir, 'sticky')
    await mkdir(sticky)
    await chmod(sticky, 0o1777)
    await writeFile(join(sticky, 'theirs.bin'), 'theirs')
    const other = { uid: me.uid + 1, gids: new Set([me.gids.values().next().value!]) }
    await expect(exportTarget(join(sticky, 'theirs.bin'), other)).rejects.toMatchObject({ name: 'ExportPathError', message: expect.stringContaining('sticky directory') })
    expect(await exportTarget(join(sticky, 'new.bin'), other)).toMatch(/new\.bin$/)
  })
})

describe('export over the socket', () => {
  it("refuses '..' segments and control bytes with a 400 naming the path, and another user's private directory with a 403", async () => {
    const { client, socketPath } = await start()
    const added = await client.add((async function* () {
      yield Buffer.from('exported bytes')
    })())
    const exportTo = async (path: string): Promise<{ status: number, message: string }> => {
      const res = await rawRequest(socketPath, 'POST', `/v1/content/${added.cid}/export`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path }) })
      return { status: res.status, message: res.status === 200 ? '' : String(res.json().error.message) }
    }

    const dotted = `${dir}/a/../escaped.bin`
    expect(await exportTo(dotted)).toEqual({ status: 400, message: `path ${dotted} contains a '..' segment: send the resolved absolute path (artdag get resolves it before asking the daemon)` })
    expect(await exportTo(join(dir, 'nul\u0000.bin'))).toMatchObject({ status: 400, message: expect.stringContaining('control byte 0x00') })
    expect(await exportTo(join(dir, 'line\nbreak.bin'))).toMatchObject({ status: 400, message: expect.stringContaining('control byte 0x0a') })

    // Another user's 0700 directory. As root (the daemon's user here can override any permission),
    // one is made with chown; otherwise our own directory without write permission stands for it.
    const theirs = join(dir, 'theirs')
    await mkdir(theirs, { mode: 0o700 })
    if (me.uid === 0) await chown(theirs, 65534, 65534)
    else await chmod(theirs, 0o500)
    const refused = await exportTo(join(theirs, 'planted.bin'))
    expect(refused.status).toBe(403)
    expect(refused.message).toContain(`the daemon cannot write ${join(theirs, 'planted.bin')}`)
    await expect(readFile(join(theirs, 'planted.bin'))).rejects.toMatchObject({ code: 'ENOENT' })

    // Where its user may write, it writes.
    expect(await exportTo(join(dir, 'ok.bin'))).toEqual({ status: 200, message: '' })
    expect(await readFile(join(dir, 'ok.bin'), 'utf8')).toBe('exported bytes')
  })
})
