import { describe, expect, it } from 'vitest'
import { withHint } from '../../../src/cli/hints.ts'
import type { ErrorBody } from '../../../src/errors.ts'

const locked = (purpose: string): ErrorBody => ({
  error: { name: 'RepoLockedError', kind: 'conflict', message: `the home is in use by pid 42 (${purpose}, since 2026-12-03T14:18:59.837Z); lock file /h/repo.lock`, details: { purpose } }
})

describe('withHint', () => {
  it('tells a second `artdag daemon` on a home that a daemon runs there, and how to run another on this machine', () => {
    const { error } = withHint(locked('daemon'), 'daemon')
    expect(error.message).toMatch(/; a daemon already runs on this home \(artdag status shows it\): stop it first, or give a second daemon its own home and port \(artdag init --home DIR/)
    expect(error.message).toContain('--listen /ip4/0.0.0.0/tcp/4102')
    expect(error.message).not.toContain('starting or stopping')
  })

  it('tells a command that found the lock of a starting daemon to wait for it, and one blocked by a command to start a daemon', () => {
    expect(withHint(locked('daemon'), 'get').error.message).toMatch(/; its daemon is starting or stopping: try again once artdag status answers$/)
    expect(withHint(locked('render'), 'get').error.message).toMatch(/; to run several commands on one home at once, start a daemon/)
    expect(withHint(locked('render'), 'daemon').error.message).toMatch(/; a command is using this home: start the daemon once it has finished$/)
  })

  it('leaves other errors as they are', () => {
    const body: ErrorBody = { error: { name: 'NotFoundError', kind: 'not_found', message: 'no job' } }
    expect(withHint(body, 'daemon')).toBe(body)
  })
})
