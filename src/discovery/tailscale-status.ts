import { isIP } from 'node:net'
import { errorMessage } from '../errors.ts'
import { z } from 'zod'
import { TailscaleStatusInvalidError } from './errors.ts'
import { describeIssues } from '../protocol/index.ts'

/**
 * The part of `tailscale status --json` discovery reads: the backend state,
 * this machine (`Self`) and the other machines (`Peer`, keyed by node key),
 * each with its tailnet IPs and whether it is online. Unknown fields are
 * ignored, so newer tailscale versions parse too.
 */
const ips = z.array(z.string()).nullish().transform(list => (list ?? []).filter(ip => isIP(ip) !== 0))

const nodeSchema = z.object({
  HostName: z.string().default(''),
  DNSName: z.string().default(''),
  TailscaleIPs: ips,
  Online: z.boolean().default(false)
})

const statusSchema = z.object({
  BackendState: z.string(),
  Self: nodeSchema.nullish(),
  Peer: z.record(z.string(), nodeSchema).nullish()
})

export interface TailnetNode {
  hostName: string
  dnsName: string
  ips: string[]
  online: boolean
}

export interface TailscaleStatus {
  /** `Running` when the machine is on the tailnet; `Stopped`, `NeedsLogin`, … otherwise. */
  backendState: string
  self: TailnetNode | undefined
  peers: TailnetNode[]
}

function node (n: z.infer<typeof nodeSchema>): TailnetNode {
  return { hostName: n.HostName, dnsName: n.DNSName, ips: n.TailscaleIPs, online: n.Online }
}

/** Parses the command's stdout. */
export function parseTailscaleStatus (stdout: string): TailscaleStatus {
  let value: unknown
  try {
    value = JSON.parse(stdout)
  } catch (err: unknown) {
    throw new TailscaleStatusInvalidError(`tailscale status --json did not print JSON: ${errorMessage(err)}`, undefined, { cause: err })
  }
  const parsed = statusSchema.safeParse(value)
  if (!parsed.success) {
    throw new TailscaleStatusInvalidError(`tailscale status --json printed an unexpected document: ${describeIssues(parsed.error)}`)
  }
  const { BackendState, Self, Peer } = parsed.data
  return {
    backendState: BackendState,
    self: Self != null ? node(Self) : undefined,
    peers: Object.values(Peer ?? {}).map(node)
  }
}

/**
 * Where to dial artdag on the other machines: each online peer's first IPv4
 * tailnet address (IPv6 if it has none) on the artdag port, one per machine.
 * Nothing when tailscale is not running.
 */
export function tailnetDialTargets (status: TailscaleStatus, port: number): Array<{ hostName: string, ip: string, address: string }> {
  if (status.backendState !== 'Running') return []
  const own = new Set(status.self?.ips ?? [])
  const out: Array<{ hostName: string, ip: string, address: string }> = []
  for (const peer of status.peers) {
    if (!peer.online) continue
    const candidates = peer.ips.filter(ip => !own.has(ip))
    const ip = candidates.find(ip => isIP(ip) === 4) ?? candidates.find(ip => isIP(ip) === 6)
    if (ip === undefined) continue
    out.push({ hostName: peer.hostName, ip, address: `/${isIP(ip) === 4 ? 'ip4' : 'ip6'}/${ip}/tcp/${port}` })
  }
  return out
}
