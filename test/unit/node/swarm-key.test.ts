import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { generateSwarmKey, parseSwarmKey, readSwarmKey } from '../../../src/node/swarm-key.ts'

const HEX = '0123456789abcdef'.repeat(4)
const CANONICAL = `/key/swarm/psk/1.0.0/\n/base16/\n${HEX}`

describe('swarm key', () => {
  it("generates keys in Kubo's format, each different", () => {
    const a = new TextDecoder().decode(generateSwarmKey())
    const b = new TextDecoder().decode(generateSwarmKey())
    expect(a).toMatch(/^\/key\/swarm\/psk\/1\.0\.0\/\n\/base16\/\n[0-9a-f]{64}$/)
    expect(a).not.toBe(b)
    expect(new TextDecoder().decode(parseSwarmKey(a, 'generated'))).toBe(a)
  })

  it('accepts what Kubo tools write: a trailing newline, CRLF, upper-case hex', () => {
    for (const variant of [`${CANONICAL}\n`, CANONICAL.replaceAll('\n', '\r\n') + '\r\n', CANONICAL.replace(HEX, HEX.toUpperCase())]) {
      expect(new TextDecoder().decode(parseSwarmKey(variant, 'k'))).toBe(CANONICAL)
    }
  })

  it('names the file and the line that is wrong', () => {
    const cases: Array<[string, RegExp]> = [
      [`/key/swarm/psk/2.0.0/\n/base16/\n${HEX}`, /swarm\.key: line 1 must be \/key\/swarm\/psk\/1\.0\.0\//],
      [`/key/swarm/psk/1.0.0/\n/base64/\n${HEX}`, /swarm\.key: line 2 must be \/base16\/ .*found "\/base64\/"/],
      [`/key/swarm/psk/1.0.0/\n/base16/\n${HEX.slice(2)}`, /swarm\.key: line 3 must be 64 hex digits .*found 62 characters/],
      [`/key/swarm/psk/1.0.0/\n/base16/\n${HEX.slice(1)}z`, /swarm\.key: line 3 must be 64 hex digits/],
      [`/key/swarm/psk/1.0.0/\n/base16/`, /swarm\.key: line 3 must be 64 hex digits .*found 0 characters/],
      [`${CANONICAL}\nextra`, /swarm\.key: unexpected content after line 3/],
      ['', /swarm\.key: line 1 must be/]
    ]
    for (const [content, message] of cases) {
      expect(() => parseSwarmKey(content, '/h/swarm.key')).toThrow(message)
    }
    expect(() => parseSwarmKey(new Uint8Array([0xff, 0xfe, 0x00]), '/h/swarm.key')).toThrow(/swarm key \/h\/swarm\.key is not text/)
    expect(() => parseSwarmKey('nope', '/h/swarm.key')).toThrow(expect.objectContaining({
      name: 'SwarmKeyInvalidError',
      kind: 'invalid',
      details: { file: '/h/swarm.key', line: 1 }
    }))
  })

  describe('files', () => {
    let dir: string
    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'artdag-swarm-key-'))
    })
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true })
    })

    it('reads a key file, and names a missing one', async () => {
      await writeFile(join(dir, 'swarm.key'), `${CANONICAL}\n`)
      expect(new TextDecoder().decode(await readSwarmKey(join(dir, 'swarm.key')))).toBe(CANONICAL)
      await expect(readSwarmKey(join(dir, 'missing.key'))).rejects.toThrow(`cannot read swarm key ${join(dir, 'missing.key')}: ENOENT`)
    })
  })
})
