import { z } from 'zod'
import { cidString, jsonCodec, peerIdString, PROTOCOL_VERSION, timestampMs } from '../codec.ts'

/**
 * `result_ready` on the results topic: a node has pinned a job's final output
 * (and its provenance record). The first pinner writes the provenance record;
 * every pinner announces itself, so every node knows where the output is kept.
 */
export const RESULTS_TOPIC = 'artdag/v1/results/ready'
export const RESULT_READY_MAX_BYTES = 2048

export const resultReadySchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal('result_ready'),
  jobId: cidString,
  /** The job's output. */
  output: cidString,
  /** The DAG-JSON provenance record of the output. */
  provenance: cidString,
  /** The node that pinned both (the signed publisher). */
  pinnedBy: peerIdString,
  sentAt: timestampMs
})
export type ResultReadyMessage = z.infer<typeof resultReadySchema>

export const resultsCodec = jsonCodec('result_ready', z.discriminatedUnion('type', [resultReadySchema]), RESULT_READY_MAX_BYTES)
