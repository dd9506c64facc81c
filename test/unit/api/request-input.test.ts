import { describe, expect, it } from 'vitest'
import { InvalidRequestError } from '../../../src/api/errors.ts'
import { parseRouteInput } from '../../../src/api/server/request-input.ts'
import { routes } from '../../../src/api/routes.ts'
import { InvalidCidError } from '../../../src/store/errors.ts'

const CID = 'bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am'

describe('parseRouteInput', () => {
  it('parses query numbers and fills defaults', () => {
    const input = parseRouteInput(routes.catContent, { params: { cid: CID }, query: { offset: '10', length: '5' }, body: undefined })
    expect(input.query).toEqual({ offset: 10, length: 5 })
    expect(parseRouteInput(routes.addPin, { params: { cid: CID }, query: {}, body: undefined }).body).toEqual({ kind: 'user' })
    expect(parseRouteInput(routes.events, { params: {}, query: { type: ['step', 'job.done,member'] }, body: undefined }).query.type).toEqual(['step', 'job.done', 'member'])
  })

  it('names the field that is wrong', () => {
    expect(() => parseRouteInput(routes.catContent, { params: { cid: CID }, query: { offset: '-1' }, body: undefined }))
      .toThrow(new InvalidRequestError('GET /v1/content/:cid: query.offset: must be a non-negative integer'))
    expect(() => parseRouteInput(routes.catContent, { params: { cid: CID }, query: { ofset: '1' }, body: undefined }))
      .toThrow(/query: Unrecognized key: "ofset"/)
    expect(() => parseRouteInput(routes.addPin, { params: { cid: CID }, query: {}, body: { kind: 'intermediate' } }))
      .toThrow(/body.expiresAt: is required for an intermediate pin/)
  })

  it('reports a bad CID in the path as an InvalidCidError quoting it', () => {
    expect(() => parseRouteInput(routes.statContent, { params: { cid: 'nope' }, query: {}, body: undefined }))
      .toThrow(InvalidCidError)
    expect(() => parseRouteInput(routes.statContent, { params: { cid: 'nope' }, query: {}, body: undefined }))
      .toThrow('cid: not a CID: "nope"')
  })
})
