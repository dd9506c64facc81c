import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { fields, render, renderError, table, value } from '../../../src/cli/output.ts'

function target (json: boolean): { stdout: PassThrough, stderr: PassThrough, json: boolean, out: () => string, err: () => string } {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.on('data', (c: Buffer) => {
    out += c.toString()
  })
  stderr.on('data', (c: Buffer) => {
    err += c.toString()
  })
  return { stdout, stderr, json, out: () => out, err: () => err }
}

describe('render', () => {
  it('prints a value as its text, or its data as JSON', async () => {
    const text = target(false)
    await render(value({ cid: 'bafy', size: 3 }, 'bafy'), text)
    expect(text.out()).toBe('bafy\n')
    const json = target(true)
    await render(value({ cid: 'bafy', size: 3 }, 'bafy'), json)
    expect(JSON.parse(json.out())).toEqual({ cid: 'bafy', size: 3 })
  })

  it('aligns fields and tables; an empty table says so on stderr', async () => {
    const t = target(false)
    await render(fields({}, [['peer id', 'p'], ['uptime', '1m']]), t)
    expect(t.out()).toBe('peer id  p\nuptime   1m\n')
    const tab = target(false)
    await render(table({}, ['CID', 'KIND'], [['bafyaaaa', 'user'], ['b', 'final']], 'no pins'), tab)
    expect(tab.out()).toBe('CID       KIND\nbafyaaaa  user\nb         final\n')
    const empty = target(false)
    await render(table({ pins: [] }, ['CID'], [], 'no pins'), empty)
    expect(empty.out()).toBe('')
    expect(empty.err()).toBe('no pins\n')
    const emptyJson = target(true)
    await render(table({ pins: [] }, ['CID'], [], 'no pins'), emptyJson)
    expect(JSON.parse(emptyJson.out())).toEqual({ pins: [] })
  })

  it('streams items as lines, or as NDJSON with --json', async () => {
    const items = async function* () {
      yield { type: 'a' }
      yield { type: 'b' }
    }
    const text = target(false)
    await render({ kind: 'stream', source: items(), line: (e: { type: string }) => `event ${e.type}` }, text)
    expect(text.out()).toBe('event a\nevent b\n')
    const json = target(true)
    await render({ kind: 'stream', source: items(), line: () => '' }, json)
    expect(json.out().trim().split('\n').map(l => JSON.parse(l))).toEqual([{ type: 'a' }, { type: 'b' }])
  })

  it('writes bytes raw in both modes', async () => {
    const json = target(true)
    await render({
      kind: 'bytes',
      source: (async function* () {
        yield Buffer.from('raw')
      })()
    }, json)
    expect(json.out()).toBe('raw')
  })

  it('prints an error as one line, or as the JSON error body', async () => {
    const body = { error: { name: 'NotFoundError', kind: 'not_found' as const, message: 'no such pin\nsecond line' } }
    const text = target(false)
    await renderError(body, text)
    expect(text.err()).toBe('no such pin\n')
    expect(text.out()).toBe('')
    const json = target(true)
    await renderError(body, json)
    expect(JSON.parse(json.err())).toEqual(body)
  })
})
