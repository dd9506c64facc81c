import { describe, expect, it } from 'vitest'
import { API_EVENT_TYPES } from '../../../src/api/index.ts'
import { checkEventTypes } from '../../../src/cli/event-types.ts'

describe('checkEventTypes', () => {
  it('takes a type, or a family of them', () => {
    expect(() => checkEventTypes(['step', 'member.dead', 'heartbeat', 'job.completed', 'result'], API_EVENT_TYPES)).not.toThrow()
  })

  it('refuses a type no event has, with the nearest one and the families, instead of waiting for nothing', () => {
    expect(() => checkEventTypes(['stepp'], API_EVENT_TYPES)).toThrow(/^--type stepp: no event has this type \(did you mean step\?\); the types are member, heartbeat, job, step, result, node, events, or one of theirs/)
    expect(() => checkEventTypes(['step.faild'], API_EVENT_TYPES)).toThrow(/did you mean step\.failed\?/)
    expect(() => checkEventTypes(['whatever'], API_EVENT_TYPES)).toThrow(/^--type whatever: no event has this type; the types are/)
    // A prefix is whole segments: `ste` is no family.
    expect(() => checkEventTypes(['ste'], API_EVENT_TYPES)).toThrow(/did you mean step\?/)
  })
})
