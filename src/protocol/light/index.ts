/**
 * What the job coordinator and the local stores need of the wire: its topic names and
 * size limits, the cache id's check and the issues' wording. Builds none of the messages'
 * schemas (the index's heartbeat, job, lease and result messages): a render in this
 * process sends none.
 */
export { cacheIdString, describeIssues } from '../codec.ts'
export * from '../limits.ts'
