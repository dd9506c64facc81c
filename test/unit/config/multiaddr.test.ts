import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { isMultiaddr } from '../../../src/config/schema.ts'

/** What the multiaddr parser says of a string. */
function parses (value: string): boolean {
  try {
    multiaddr(value)
    return true
  } catch {
    return false
  }
}

describe("the config's multiaddr check", () => {
  it('agrees with the multiaddr parser, on the common /ip4/…/tcp/… form (checked without it) and on any other', () => {
    const octets = ['0', '1', '9', '10', '01', '99', '100', '199', '200', '249', '250', '255', '256', '300', '1000', '']
    const ports = ['0', '1', '01', '4101', '65535', '65536', '99999', '100000', '', '-1', '1.5']
    const values: string[] = []
    for (const o of octets) for (const p of ports) values.push(`/ip4/${o}.${o === '' ? '1' : o}.2.${o}/tcp/${p}`)
    values.push(
      '/ip4/0.0.0.0/tcp/4101',
      '/ip4/10.0.0.2/tcp/4101/p2p/12D3KooWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      '/ip4/1.2.3/tcp/1',
      '/ip4/1.2.3.4.5/tcp/1',
      '/ip4/1.2.3.4/tcp/1/',
      '/ip4/1.2.3.4/udp/1',
      '/ip4/1.2.3.4',
      '/ip6/::/tcp/4101',
      '/ip6/::1/tcp/65536',
      '/dns4/node-a.tailnet.ts.net/tcp/4101',
      '/ip4/1.2.3.4/tcp/4101/ws',
      'ip4/1.2.3.4/tcp/1',
      ' /ip4/1.2.3.4/tcp/1',
      '/ip4/1.2.3.4/tcp/1 ',
      '/ip4/1.2.3.4/tcp/1\n',
      '/ip4/١.2.3.4/tcp/1',
      '/IP4/1.2.3.4/tcp/1',
      ''
    )
    for (const value of values) expect(isMultiaddr(value), JSON.stringify(value)).toBe(parses(value))
  })
})
