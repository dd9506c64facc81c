import * as dagJson from '@ipld/dag-json'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { InvalidArgumentError } from '../../errors.ts'
import { JobIdMismatchError } from '../errors.ts'
import type { JobSubmittedMessage } from '../../protocol/index.ts'
import { present } from '../../defined.ts'

/**
 * A job document: what a submitter publishes. It is stored in IPFS as DAG-JSON,
 * and its CID is the job id, so a node that learns a job id from a heartbeat
 * can fetch the document, and nobody can change a job under its id.
 */
export interface JobDocument {
  v: 1
  kind: 'artdag/job'
  recipe: Record<string, unknown>
  inputs: Record<string, string>
  submitter: string
  submittedAt: number
  nonce: string
  label?: string
}

export async function jobIdOf (doc: JobDocument): Promise<string> {
  return CID.createV1(dagJson.code, await sha256.digest(dagJson.encode(doc))).toString()
}

export function documentOf (msg: Pick<JobSubmittedMessage, 'recipe' | 'inputs' | 'submitter' | 'submittedAt' | 'nonce' | 'label'>): JobDocument {
  return { v: 1, kind: 'artdag/job', recipe: msg.recipe, inputs: msg.inputs, submitter: msg.submitter, submittedAt: msg.submittedAt, nonce: msg.nonce, ...present({ label: msg.label }) }
}

/** The document a `job_submitted` message describes, checked against the id it claims. */
export async function documentFromMessage (msg: JobSubmittedMessage): Promise<JobDocument> {
  const doc = documentOf(msg)
  const id = await jobIdOf(doc)
  if (id !== msg.jobId) throw new JobIdMismatchError(`job_submitted claims id ${msg.jobId}, but its document hashes to ${id}`, { jobId: msg.jobId })
  return doc
}

export function messageOf (doc: JobDocument, jobId: string): JobSubmittedMessage {
  return { v: 1, type: 'job_submitted', jobId, recipe: doc.recipe, inputs: doc.inputs, submitter: doc.submitter, submittedAt: doc.submittedAt, nonce: doc.nonce, ...present({ label: doc.label }) }
}

/** Reads a stored document back, checking its shape. */
export function parseJobDocument (value: unknown, jobId: string): JobDocument {
  const doc = value as Partial<JobDocument> | null
  if (
    doc == null || doc.v !== 1 || doc.kind !== 'artdag/job' || typeof doc.recipe !== 'object' || typeof doc.inputs !== 'object' || typeof doc.submitter !== 'string' || typeof doc.submittedAt !== 'number' || typeof doc.nonce !== 'string'
  ) {
    throw new InvalidArgumentError(`${jobId} is not an artdag job document`, { jobId })
  }
  return doc as JobDocument
}
