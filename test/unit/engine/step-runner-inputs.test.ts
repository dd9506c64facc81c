import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { StepInputUnavailableError, StepRunner } from '../../../src/engine/index.ts'
import type { StepRunnerInit } from '../../../src/engine/index.ts'
import { silentLogger } from '../../../src/log.ts'
import type { PlannedStep } from '../../../src/plan/index.ts'
import { ContentTimeoutError } from '../../../src/store/errors.ts'

/**
 * A step whose inputs cannot be fetched says which, all of them (not only the
 * first to time out): the job core forgets those results and has them made
 * again when their holders are dead (src/jobs/core/losses.ts).
 */
async function cidOf (text: string): Promise<string> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(text))).toString()
}

let workRoot: string
beforeEach(async () => {
  workRoot = await mkdtemp(join(tmpdir(), 'artdag-step-runner-'))
})
afterEach(async () => {
  await rm(workRoot, { recursive: true, force: true })
})

function runner (missing: ReadonlySet<string>): StepRunner {
  const store = {
    getFile: async (cid: CID): Promise<void> => {
      if (missing.has(cid.toString())) throw new ContentTimeoutError(`no peer provided block ${cid.toString()} within 30000 ms`, { cid: cid.toString() })
    }
  }
  return new StepRunner({ store, cacheIndex: {}, binaries: {}, capabilities: {}, workRoot, producer: 'local', stepTimeoutMs: 1000, intermediateTtlMs: 1000, logger: silentLogger() } as unknown as StepRunnerInit)
}

const step = (inputs: number): PlannedStep => ({
  id: 'join',
  type: 'sequence',
  config: {},
  cacheId: 'c'.repeat(64),
  inputs: Array.from({ length: inputs }, (_, i) => ({ kind: 'step', id: `part-${i}` }))
} as unknown as PlannedStep)

describe('StepRunner: inputs that cannot be fetched', () => {
  it('names every input it could not fetch, and leaves no workspace', async () => {
    const cids = await Promise.all(['a', 'b', 'c'].map(cidOf))
    const err = await runner(new Set([cids[0]!, cids[2]!])).run(step(3), cids).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(StepInputUnavailableError)
    expect((err as StepInputUnavailableError).details).toMatchObject({ step: 'join', cids: [cids[0], cids[2]] })
    expect((err as Error).message).toMatch(/^step join: 2 inputs could not be fetched/)
    expect(await readdir(workRoot)).toEqual([])
  })

  it('names the one input it could not fetch as the recipe does', async () => {
    const cids = await Promise.all(['a', 'b'].map(cidOf))
    const err = await runner(new Set([cids[1]!])).run(step(2), cids).catch((e: unknown) => e)
    expect((err as StepInputUnavailableError).details).toMatchObject({ cids: [cids[1]] })
    expect((err as Error).message).toMatch(/^step join: the output of step "part-1" \(\S+\) could not be fetched: no peer provided block/)
  })
})
