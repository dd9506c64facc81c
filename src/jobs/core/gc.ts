import type { Core } from './state.ts'

/** Forgets finished jobs, old tombstones, unneeded results, losses and silent leases, so a long-lived daemon stays small. */
export function collectGarbage (core: Core, now: number): void {
  const { book, o } = core
  for (const job of book.jobs.values()) {
    if (job.state !== 'running' && job.finishedAt !== undefined && now - job.finishedAt > o.finishedJobRetentionMs) book.removeJob(job.jobId)
  }
  for (const [jobId, at] of book.cancelled) {
    if (now - at > o.finishedJobRetentionMs && !book.jobs.has(jobId)) book.cancelled.delete(jobId)
  }
  for (const [key, word] of book.submitterWords) {
    if (now - word.at > o.finishedJobRetentionMs) book.submitterWords.delete(key)
  }
  for (const [cacheId, completion] of book.completions) {
    if (!book.items.has(cacheId) && now - completion.at > o.finishedJobRetentionMs) book.completions.delete(cacheId)
  }
  for (const [cacheId, failures] of book.failures) {
    const last = failures.reduce((m, f) => Math.max(m, f.at), Number.NEGATIVE_INFINITY)
    if (!book.items.has(cacheId) && now - last > o.finishedJobRetentionMs) book.failures.delete(cacheId)
  }
  for (const [cacheId, loss] of book.losses) {
    if (!book.items.has(cacheId) && now - loss.at > o.finishedJobRetentionMs) book.losses.delete(cacheId)
  }
  core.leases.prune(cacheId => book.items.has(cacheId), now, o.leaseIdleRetentionMs)
  for (const [key, at] of core.answered) if (now - at >= o.answerDedupeMs) core.answered.delete(key)
  for (const [jobId, at] of core.jobFetches) if (now - at >= o.jobFetchRetryMs) core.jobFetches.delete(jobId)
  for (const cacheId of core.duplicatesCounted) if (!book.items.has(cacheId)) core.duplicatesCounted.delete(cacheId)
  core.lastGcAt = now
}
