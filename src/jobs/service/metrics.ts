import { scrapedCounter } from '../../metrics.ts'
import type { CoordinatorMetrics } from '../core/metrics.ts'
import { Counter } from 'prom-client'
import type { Registry } from 'prom-client'

/** The coordinator's counters as Prometheus metrics, read from the core at scrape time. */
const EXPORTED: ReadonlyArray<[keyof CoordinatorMetrics, string, string]> = [
  ['stepsRun', 'artdag_steps_run_total', 'Steps this node started running'],
  ['stepsCompleted', 'artdag_steps_completed_total', 'Steps this node ran to completion'],
  ['stepsFailed', 'artdag_steps_failed_total', 'Step runs that failed on this node'],
  ['cacheHits', 'artdag_cache_hits_total', 'Steps found in the cache (local index or DHT)'],
  ['cacheMisses', 'artdag_cache_misses_total', 'Cache lookups that found nothing'],
  ['lookupTimeouts', 'artdag_cache_lookup_timeouts_total', 'Cache lookups that ran out of time (counted as misses)'],
  ['claims', 'artdag_lease_claims_total', 'Lease claims this node made'],
  ['takeovers', 'artdag_lease_takeovers_total', 'Claims that took over a lapsed lease'],
  ['conflictsLost', 'artdag_lease_conflicts_total', 'Claims this node lost to a better concurrent claim'],
  ['duplicateExecutions', 'artdag_duplicate_executions_total', 'Steps this node learned were run twice'],
  ['abortedExecutions', 'artdag_aborted_executions_total', 'Executions aborted (lost lease, done elsewhere, cancelled, not needed)'],
  ['antiEntropyAnswers', 'artdag_anti_entropy_answers_total', 'Results re-sent to peers that missed them'],
  ['pausesDetected', 'artdag_pauses_detected_total', 'Times this process noticed it had been paused'],
  ['reassertions', 'artdag_lease_reassertions_total', 'Renewals sent at once to a node whose claim lost to a lease this node holds'],
  ['refutations', 'artdag_lease_refutations_total', 'Takeovers of a lease this node was running that it refuted (it was alive)'],
  ['takeoversRefuted', 'artdag_lease_takeovers_refuted_total', 'Takeovers by this node that the holder refuted'],
  ['claimsBarred', 'artdag_lease_claims_barred_total', 'Claims and renewals ignored from a holder that kept the step past lease.maxHoldMs'],
  ['epochsRejected', 'artdag_lease_epochs_rejected_total', 'Claims, renewals and results refused for an epoch far above any known'],
  ['resultMismatches', 'artdag_result_mismatches_total', 'Different CIDs seen for one step (executors that disagree)'],
  ['lagDeferrals', 'artdag_lag_deferrals_total', 'Times the event loop ran late and claims waited for queued messages'],
  ['resultsRejected', 'artdag_results_rejected_total', 'Results refused: no attestation showed its author held the lease, nor did they make a quorum'],
  ['failuresUnverified', 'artdag_failures_unverified_total', 'Failure reports for a lease this node never heard claimed (they mark a try, not an attempt)'],
  ['resultsLost', 'artdag_results_lost_total', 'Results forgotten because every node that held them is dead: the step runs again'],
  ['cancelsRefused', 'artdag_cancels_refused_total', 'Cancels refused: sent by a member that neither submitted the job nor is an operator'],
  ['jobsRefused', 'artdag_jobs_refused_total', 'Jobs refused for the limits (jobs.maxRunningPerSubmitter, jobs.maxJobs)'],
  ['jobsCompleted', 'artdag_jobs_completed_total', 'Jobs that completed'],
  ['jobsFailed', 'artdag_jobs_failed_total', 'Jobs that failed'],
  ['jobsCancelled', 'artdag_jobs_cancelled_total', 'Jobs that were cancelled']
]

export function registerJobMetrics (registry: Registry, read: () => Readonly<CoordinatorMetrics>): void {
  for (const [field, name, help] of EXPORTED) scrapedCounter(registry, name, help, () => read()[field])
}

/**
 * Statements (attestations, failure reports) another member relayed whose
 * signature is not their named author's: each one is dropped, and counted here by kind.
 */
export function forgedStatementsCounter (registry: Registry): Counter<'kind'> {
  const existing = registry.getSingleMetric('artdag_statements_forged_total')
  if (existing instanceof Counter) return existing as Counter<'kind'>
  return new Counter({ name: 'artdag_statements_forged_total', help: "Attestations and failure reports dropped because their signature is not their author's, by kind", labelNames: ['kind'], registers: [registry] })
}
