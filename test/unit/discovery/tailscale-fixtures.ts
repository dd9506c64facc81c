import { chmod, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A `tailscale status --json` document shaped like the real one (tailscale 1.7x), trimmed of nothing discovery ignores. */
export function statusDocument (init: {
  backendState?: string
  selfIps?: string[]
  peers?: Array<{ host: string, ips: string[], online: boolean }>
}): unknown {
  const node = (host: string, ips: string[], online: boolean, id: number): Record<string, unknown> => ({
    ID: `n${id}CNTRL`,
    PublicKey: `nodekey:${id.toString(16).padStart(64, '0')}`,
    HostName: host,
    DNSName: `${host}.tail1234.ts.net.`,
    OS: 'linux',
    UserID: 12345,
    TailscaleIPs: ips,
    AllowedIPs: ips.map(ip => ip.includes(':') ? `${ip}/128` : `${ip}/32`),
    Addrs: null,
    CurAddr: '',
    Relay: 'fra',
    RxBytes: 0,
    TxBytes: 0,
    Created: '2025-01-01T00:00:00Z',
    LastWrite: '0001-01-01T00:00:00Z',
    LastSeen: '0001-01-01T00:00:00Z',
    LastHandshake: '0001-01-01T00:00:00Z',
    Online: online,
    ExitNode: false,
    ExitNodeOption: false,
    Active: false,
    PeerAPIURL: ips.map(ip => `http://${ip}:12345`),
    InNetworkMap: true,
    InMagicSock: true,
    InEngine: true
  })
  const peers = init.peers ?? []
  return {
    Version: '1.76.6-t2a2b1e0e4-g8d3b0b7a1',
    TUN: true,
    BackendState: init.backendState ?? 'Running',
    HaveNodeKey: true,
    AuthURL: '',
    TailscaleIPs: init.selfIps ?? ['100.64.0.1'],
    Self: node('self-host', init.selfIps ?? ['100.64.0.1'], true, 1),
    Health: [],
    MagicDNSSuffix: 'tail1234.ts.net',
    CurrentTailnet: { Name: 'example@example.com', MagicDNSSuffix: 'tail1234.ts.net', MagicDNSEnabled: true },
    CertDomains: null,
    Peer: peers.length === 0
      ? null
      : Object.fromEntries(peers.map((p, i) => [`nodekey:${(i + 2).toString(16).padStart(64, '0')}`, node(p.host, p.ips, p.online, i + 2)])),
    User: { 12345: { ID: 12345, LoginName: 'example@example.com', DisplayName: 'Example', ProfilePicURL: '' } },
    ClientVersion: null
  }
}

/**
 * Writes a stand-in `tailscale` executable into a new temp dir and returns an
 * environment whose PATH finds it first. `script` is the body of a sh script.
 */
export async function standInTailscale (script: string): Promise<{ dir: string, env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(join(tmpdir(), 'artdag-tailscale-'))
  const path = join(dir, 'tailscale')
  await writeFile(path, `#!/bin/sh\n${script}\n`)
  await chmod(path, 0o755)
  return { dir, env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` } }
}

/** A stand-in that prints `doc` for `status --json` and fails for anything else. */
export async function tailscalePrinting (doc: unknown): Promise<{ dir: string, env: NodeJS.ProcessEnv }> {
  const stand = await standInTailscale('')
  const json = join(stand.dir, 'status.json')
  await writeFile(json, JSON.stringify(doc, null, 2))
  await writeFile(join(stand.dir, 'tailscale'), `#!/bin/sh\n[ "$1 $2" = "status --json" ] || { echo "unexpected args: $*" >&2; exit 2; }\ncat '${json}'\n`)
  return stand
}
