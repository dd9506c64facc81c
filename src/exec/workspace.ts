import { constants } from 'node:fs'
import { copyFile, link, mkdir, mkdtemp, readdir, realpath, rm } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import { PathOutsideWorkspaceError } from './errors.ts'

/** Workspaces are named `<prefix><random>` under the work root. */
export const DEFAULT_WORKSPACE_PREFIX = 'step-'

/** What Workspace.create names a workspace: a step id, `-`, and mkdtemp's six characters. */
const WORKSPACE_NAME = /^[a-z][a-z0-9_-]{0,70}-[A-Za-z0-9]{6}$/

/**
 * Removes the workspaces a process that died mid-step left in `workRoot` (a
 * work root is one home's, and its owner holds the home's lock, so none of
 * them is in use). Only names a workspace can have are touched. Returns how many.
 */
export async function removeStaleWorkspaces (workRoot: string): Promise<number> {
  const names = await readdir(workRoot).catch(() => [] as string[])
  const stale = names.filter(name => WORKSPACE_NAME.test(name))
  await Promise.all(stale.map(async name => await rm(join(workRoot, name), { recursive: true, force: true })))
  return stale.length
}

/** True when `path` is `dir` itself or lies below it (lexically). */
export function isInside (dir: string, path: string): boolean {
  const rel = relative(resolve(dir), resolve(dir, path))
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`))
}

/**
 * A fresh directory for one step. Everything ffmpeg reads or writes lives in
 * it (inputs are linked in), it is ffmpeg's cwd, and dispose() removes it.
 */
export class Workspace {
  readonly dir: string
  private disposed = false

  private constructor (dir: string) {
    this.dir = dir
  }

  static async create (workRoot: string, options: { prefix?: string } = {}): Promise<Workspace> {
    await mkdir(workRoot, { recursive: true })
    const made = await mkdtemp(join(resolve(workRoot), options.prefix ?? DEFAULT_WORKSPACE_PREFIX))
    // The real path, so that symlinked temp dirs do not fail the confinement checks.
    return new Workspace(await realpath(made))
  }

  /** The absolute path of a name inside the workspace; anything that escapes it is refused. */
  path (name: string): string {
    if (name === '' || !isInside(this.dir, name)) {
      throw new PathOutsideWorkspaceError(`${name === '' ? 'an empty path' : name} is outside the step workspace ${this.dir}`, { path: name, workspace: this.dir })
    }
    return resolve(this.dir, name)
  }

  /** Like path(), and follows symlinks: the file must exist and really be inside. */
  async realPath (name: string): Promise<string> {
    const real = await realpath(this.path(name))
    if (!isInside(this.dir, real)) {
      throw new PathOutsideWorkspaceError(`${name} resolves to ${real}, outside the step workspace ${this.dir}`, { path: name, workspace: this.dir })
    }
    return real
  }

  /** Brings a file in under `name`: a hard link when the filesystem allows, else a copy (never a symlink). */
  async adopt (source: string, name: string): Promise<string> {
    const target = this.path(name)
    try {
      await link(source, target)
    } catch (err: unknown) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP') throw err
      await copyFile(source, target, constants.COPYFILE_FICLONE)
    }
    return target
  }

  /** Removes the directory and everything in it; safe to call more than once. */
  async dispose (): Promise<void> {
    if (this.disposed) return
    this.disposed = true
    await rm(this.dir, { recursive: true, force: true, maxRetries: 3 })
  }

  async [Symbol.asyncDispose] (): Promise<void> {
    await this.dispose()
  }
}
