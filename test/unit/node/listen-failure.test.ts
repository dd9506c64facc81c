import { describe, expect, it } from 'vitest'
import { listenFailure, listenProblems } from '../../../src/node/listen-failure.ts'

/** libp2p 3's UnsupportedListenAddressesError, as thrown when a second daemon takes the default port. */
function libp2pError (lines: string[]): Error {
  const err = new Error(
    `Some configured addresses failed to be listened on, you may need to remove one or more listen addresses from your configuration or set \`transportManager.faultTolerance\` to NO_FATAL:\n${
      lines.map(line => `\n  ${line}\n      at Server.setupListenHandle [as _listen2] (node:net:2328:16)\n      at listenInCluster (node:net:2437:12)\n`).join('')
    }`
  )
  err.name = 'UnsupportedListenAddressesError'
  return err
}

describe('listenFailure', () => {
  it("names the address whose port is taken and the artdag setting to change, not libp2p's option", () => {
    const err = listenFailure(libp2pError(['/ip4/0.0.0.0/tcp/4101: Error: listen EADDRINUSE: address already in use 0.0.0.0:4101']))
    expect(err?.name).toBe('ListenAddressInUseError')
    expect(err?.kind).toBe('conflict')
    expect(err?.message).toBe(
      "cannot listen on /ip4/0.0.0.0/tcp/4101: the port is in use (another artdag daemon, or another program, listens there); give this daemon another port (--listen, or node.listen in the home's config.yaml), e.g. --listen /ip4/0.0.0.0/tcp/4102"
    )
    expect(err?.message).not.toContain('faultTolerance')
    expect(err?.details).toEqual({ addresses: ['/ip4/0.0.0.0/tcp/4101'] })
  })

  it("says what else went wrong per address: not this machine's, a privileged port", () => {
    const err = listenFailure(libp2pError([
      '/ip4/10.9.9.9/tcp/4101: Error: listen EADDRNOTAVAIL: address not available 10.9.9.9:4101',
      '/ip4/0.0.0.0/tcp/80: Error: listen EACCES: permission denied 0.0.0.0:80'
    ]))
    expect(err?.name).toBe('ListenFailedError')
    expect(err?.kind).toBe('invalid')
    expect(err?.message).toBe(
      "cannot listen on /ip4/10.9.9.9/tcp/4101 (not an address of this machine), /ip4/0.0.0.0/tcp/80 (a port below 1024 needs root: use one above): listen on an address of this machine, or /ip4/0.0.0.0/tcp/PORT for all of them (--listen, or node.listen in the home's config.yaml)"
    )
  })

  it('leaves every other error alone', () => {
    expect(listenFailure(new Error('boom'))).toBeUndefined()
    expect(listenFailure('nope')).toBeUndefined()
  })

  it('reads the address lines of the message, not the stack lines', () => {
    expect(listenProblems(libp2pError(['/ip6/::1/tcp/4101: Error: listen EADDRINUSE: address already in use ::1:4101']).message))
      .toEqual([{ address: '/ip6/::1/tcp/4101', reason: 'listen EADDRINUSE: address already in use ::1:4101' }])
  })
})
