import { isCid } from '../api/light/index.ts'
import type { ApiClient } from '../api/index.ts'
import { InvalidCidError, NotFoundError } from '../errors.ts'
import { AmbiguousIdError } from './errors.ts'

/**
 * Ids as people type them back: the CLI prints job ids and CIDs shortened to
 * their first SHORT_ID_LENGTH characters (no ellipsis), and every command that
 * takes one accepts any unique prefix of it, as Docker does. A full CID is
 * used as it is; a prefix is matched against what this node knows (its jobs;
 * its pins and its jobs' outputs), and a prefix that fits several is refused
 * with the candidates named.
 */

/** Enough for a CID's random part: its first 7–9 characters are the same for every CID of its kind. */
export const SHORT_ID_LENGTH = 16

export function shortId (id: string): string {
  return id.length > SHORT_ID_LENGTH ? id.slice(0, SHORT_ID_LENGTH) : id
}

export function isFullCid (text: string): boolean {
  return isCid(text)
}

/** The one candidate starting with `prefix`; NotFoundError or AmbiguousIdError otherwise (InvalidCidError when it cannot start a CID). */
export function matchPrefix (prefix: string, candidates: Iterable<string>, what: { noun: string, list: string }): string {
  if (!/^[A-Za-z0-9]+$/.test(prefix)) throw new InvalidCidError(`not a CID: ${JSON.stringify(prefix)}`, { cid: prefix })
  const found = [...new Set([...candidates].filter(id => id.startsWith(prefix)))]
  if (found.length === 1) return found[0] as string
  if (found.length === 0) throw new NotFoundError(`no ${what.noun} has an id starting with ${prefix} (${what.list} lists them)`, { prefix })
  const shown = found.slice(0, 5).map(id => id.slice(0, Math.max(SHORT_ID_LENGTH, prefix.length + 4)))
  throw new AmbiguousIdError(`${prefix} is the start of ${found.length} ${what.noun} ids (${shown.join(', ')}${found.length > 5 ? ', …' : ''}): type more of it`, { prefix, matches: found })
}

/** A job id from a full id or a unique prefix of one (this daemon's jobs). */
export async function resolveJobId (client: ApiClient, text: string, signal: AbortSignal): Promise<string> {
  if (isFullCid(text)) return text
  const { jobs } = await client.jobs({}, { signal })
  return matchPrefix(text, jobs.map(job => job.id), { noun: 'job', list: 'artdag jobs' })
}

/** What a CID prefix is matched against: the pins of the home, and (with a daemon) its jobs' outputs. */
export interface CidCandidates {
  pins: (filter: Record<string, never>, options: { signal: AbortSignal }) => Promise<{ pins: Array<{ cid: string }> }>
  jobs?: (filter: Record<string, never>, options: { signal: AbortSignal }) => Promise<{ jobs: Array<{ id: string, state: string, output: string | null, provenance: string | null }> }>
}

/** A CID from a full CID or a unique prefix of one this home knows. */
export async function resolveCid (source: CidCandidates, text: string, signal: AbortSignal): Promise<string> {
  if (isFullCid(text)) return text
  const [pins, jobs] = await Promise.all([source.pins({}, { signal }), knownJobs(source, signal)])
  return matchPrefix(text, cidCandidates(pins.pins, jobs), { noun: 'content', list: 'artdag pin ls' })
}

/**
 * What `artdag get` saves: a CID as resolveCid finds it or, with a daemon, a job id (or a
 * unique start of one), which stands for the job's output. A job with no output yet is not
 * found, with what to do.
 */
export async function resolveContentOrJob (source: CidCandidates, text: string, signal: AbortSignal): Promise<string> {
  const [pins, jobs] = await Promise.all([isFullCid(text) ? { pins: [] } : source.pins({}, { signal }), knownJobs(source, signal)])
  const id = isFullCid(text) ? text : matchPrefix(text, [...cidCandidates(pins.pins, jobs), ...jobs.map(job => job.id)], { noun: 'content or job', list: 'artdag pin ls, artdag jobs' })
  const job = jobs.find(j => j.id === id)
  if (job === undefined) return id
  if (job.output != null) return job.output
  const next = job.state === 'running' ? `artdag watch ${shortId(job.id)} follows it to its end` : `artdag job ${shortId(job.id)} says why`
  throw new NotFoundError(`job ${shortId(job.id)} has no output: it is ${job.state} (${next})`, { job: job.id, state: job.state })
}

type KnownJob = Awaited<ReturnType<NonNullable<CidCandidates['jobs']>>>['jobs'][number]

async function knownJobs (source: CidCandidates, signal: AbortSignal): Promise<KnownJob[]> {
  return (await source.jobs?.({}, { signal }).catch(() => undefined))?.jobs ?? []
}

function cidCandidates (pins: ReadonlyArray<{ cid: string }>, jobs: readonly KnownJob[]): string[] {
  return [...pins.map(pin => pin.cid), ...jobs.flatMap(job => [job.output, job.provenance].filter((cid): cid is string => cid != null))]
}
