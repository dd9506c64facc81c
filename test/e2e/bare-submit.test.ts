import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Daemon, initHomes } from './helpers/daemon.ts'
import type { JobDetail } from '../../src/api/schemas.ts'

/**
 * The wire protocol is the interface: a bare libp2p node with the swarm key
 * (scripts/submit-bare.ts, no artdag daemon, no IPFS) submits a job by
 * publishing the documented messages, and the cluster runs it.
 */

const SCRIPT = fileURLToPath(new URL('../../scripts/submit-bare.ts', import.meta.url))
let dir: string
let daemon: Daemon

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-bare-'))
  const [home] = await initHomes(dir, ['a'])
  daemon = await Daemon.start(home!)
}, 60_000)

afterAll(async () => {
  await daemon?.stop()
  await rm(dir, { recursive: true, force: true })
})

describe('a bare libp2p node', { timeout: 120_000 }, () => {
  it('submits a job with the documented messages and gets its result', async () => {
    const recipe = join(dir, 'tiny.yaml')
    await writeFile(
      recipe,
      'version: 1\nname: bare\nnodes:\n  bars: { type: generate, config: { pattern: smptebars, duration: 1, width: 160, height: 90 } }\n  out: { type: encode, inputs: [bars], config: { codec: h264, preset: ultrafast } }\noutput: out\n'
    )
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
      execFile(process.execPath, [SCRIPT, '--swarm-key', join(daemon.home, 'swarm.key'), '--bootstrap', daemon.addresses[0]!, recipe, '--wait', '--timeout-ms', '90000'], { timeout: 100_000 }, (err, out, errOut) => {
        if (err != null) reject(new Error(`${err.message}\n${errOut}`))
        else resolve({ stdout: out })
      })
    })
    const result = JSON.parse(stdout) as { jobId: string, output: string, provenance: string, pinnedBy: string }
    expect(result.pinnedBy).toBe(daemon.peerId)
    const job = await daemon.json<JobDetail>(['job', result.jobId])
    expect(job).toMatchObject({ state: 'completed', output: result.output, provenance: result.provenance, recipe: 'bare' })
    expect(job.submittedBy).not.toBe(daemon.peerId)
  })
})
