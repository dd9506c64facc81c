import { describe, expect, it } from 'vitest'
import { JobSpecInvalidError } from '../../../src/jobs/errors.ts'
import { checkJobSpec } from '../../../src/jobs/core/job-spec.ts'
import type { JobSpec } from '../../../src/jobs/core/types.ts'
import { cacheId } from './fixtures.ts'

const job = (steps: JobSpec['steps'], output = 'out'): JobSpec => ({ jobId: 'bagujob1', submittedAt: 0, steps, output })

describe('checkJobSpec', () => {
  it('orders steps so that every dependency comes first, with dependencies as cache ids', () => {
    const checked = checkJobSpec(job([
      { stepId: 'out', cacheId: cacheId(3), type: 'concat', deps: ['a', 'b', 'a'] },
      { stepId: 'b', cacheId: cacheId(2), type: 'scale', deps: ['a'], requires: ['gpu', 'gpu'] },
      { stepId: 'a', cacheId: cacheId(1), type: 'source', deps: [] }
    ]))
    expect(checked.steps.map(s => s.stepId)).toEqual(['a', 'b', 'out'])
    expect(checked.output).toMatchObject({ stepId: 'out', deps: [cacheId(1), cacheId(2)] })
    expect(checked.steps[1]?.requires).toEqual(['gpu'])
  })

  it('names what is wrong', () => {
    const a = { stepId: 'a', cacheId: cacheId(1), type: 'source', deps: [] }
    expect(() => checkJobSpec(job([a, { stepId: 'b', cacheId: cacheId(2), type: 'x', deps: ['zz'] }], 'b'))).toThrow('job bagujob1: step b: dependency zz is not a step of the job')
    expect(() => checkJobSpec(job([a], 'nope'))).toThrow('job bagujob1: output nope is not a step of the job')
    expect(() => checkJobSpec(job([{ ...a, cacheId: 'xyz' }], 'a'))).toThrow('job bagujob1: step a: cacheId is not 64 hex characters')
    expect(() => checkJobSpec(job([a, a], 'a'))).toThrow('job bagujob1: step a appears twice')
    expect(() => checkJobSpec(job([], 'a'))).toThrow(JobSpecInvalidError)
    expect(() =>
      checkJobSpec(job([
        { stepId: 'a', cacheId: cacheId(1), type: 'x', deps: ['b'] },
        { stepId: 'b', cacheId: cacheId(2), type: 'x', deps: ['a'] }
      ], 'a'))
    ).toThrow('job bagujob1: steps form a cycle: a → b → a')
    expect(() => checkJobSpec(job([a, { stepId: 'b', cacheId: cacheId(1), type: 'other', deps: [] }], 'b'))).toThrow(/share cacheId/)
  })
})
