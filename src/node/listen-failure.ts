import { errorMessage, errorName } from '../errors.ts'
import { ListenAddressInUseError, ListenFailedError } from './errors.ts'

/** One listen address libp2p could not listen on, and the system's reason. */
export interface ListenProblem {
  address: string
  reason: string
}

const WHERE = "--listen, or node.listen in the home's config.yaml"

/**
 * libp2p's UnsupportedListenAddressesError says to set `transportManager.faultTolerance`,
 * a libp2p option the user does not have, and lists the addresses on lines the CLI's one
 * line leaves out. This names the address, why, and the artdag setting to change; it
 * returns undefined for any other error.
 */
export function listenFailure (err: unknown): ListenAddressInUseError | ListenFailedError | undefined {
  if (errorName(err) !== 'UnsupportedListenAddressesError') return undefined
  const problems = listenProblems(errorMessage(err))
  const details = { addresses: problems.map(p => p.address) }
  const inUse = problems.filter(p => p.reason.includes('EADDRINUSE'))
  if (inUse.length > 0) {
    const addresses = inUse.map(p => p.address)
    return new ListenAddressInUseError(
      `cannot listen on ${addresses.join(', ')}: the port is in use (another artdag daemon, or another program, listens there); give this daemon another port (${WHERE}), e.g. --listen ${otherPort(addresses[0] as string)}`,
      details,
      { cause: err }
    )
  }
  const said = problems.map(p => `${p.address} (${plainReason(p.reason)})`)
  return new ListenFailedError(
    `cannot listen on ${said.length > 0 ? said.join(', ') : 'the listen addresses'}: listen on an address of this machine, or /ip4/0.0.0.0/tcp/PORT for all of them (${WHERE})`,
    details,
    { cause: err }
  )
}

/** The `  <multiaddr>: <error>` lines of libp2p's message. */
export function listenProblems (message: string): ListenProblem[] {
  return [...message.matchAll(/^ {2}(\/\S+): (?:[A-Za-z]*Error: )?(.+)$/gm)].map(m => ({ address: m[1] as string, reason: (m[2] as string).trim() }))
}

function plainReason (reason: string): string {
  if (reason.includes('EADDRNOTAVAIL')) return 'not an address of this machine'
  if (reason.includes('EACCES')) return 'a port below 1024 needs root: use one above'
  return reason
}

/** The same multiaddr with the next TCP port (`/tcp/4101` → `/tcp/4102`). */
function otherPort (address: string): string {
  return address.replace(/\/tcp\/(\d+)/, (_, port: string) => `/tcp/${Math.min(Number(port) + 1, 65535)}`)
}
