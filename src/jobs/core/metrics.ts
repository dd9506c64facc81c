/** Counters the adapter exports (e.g. as Prometheus counters `artdag_<name>_total`). */
export interface CoordinatorMetrics {
  /** Executions started on this node. */
  stepsRun: number
  stepsCompleted: number
  stepsFailed: number
  cacheHits: number
  cacheMisses: number
  /** Lookups that ran past cacheLookupTimeoutMs (also counted as misses). */
  lookupTimeouts: number
  /** Claims this node published. */
  claims: number
  /** Claims that replaced a lapsed lease. */
  takeovers: number
  /** This node's claims that lost to a better one. */
  conflictsLost: number
  /** Steps this node ran that another node also ran (counted once per step, when this node learns it). */
  duplicateExecutions: number
  /** Executions this node aborted. */
  abortedExecutions: number
  /** Completions or failures re-sent to a node that claimed a settled step. */
  antiEntropyAnswers: number
  /** Renewals sent at once to a node whose claim lost to this node's lease. */
  reassertions: number
  /** Takeovers of this node's running lease it refuted (it was alive): re-claimed above them. */
  refutations: number
  /** This node's takeovers that the holder refuted (it yielded). */
  takeoversRefuted: number
  /** Claims, renewals, releases and completions refused for an epoch far above any known. */
  epochsRejected: number
  /** Claims and renewals ignored from a holder that kept the step past lease.maxHoldMs. */
  claimsBarred: number
  /** Different CIDs seen for one cache id (each new one counted once). */
  resultMismatches: number
  /** Inputs that found this node's event loop late: claims and starts waited for queued messages. */
  lagDeferrals: number
  /** Results refused: no attestation proved its author held a lease (or made a quorum). */
  resultsRejected: number
  /** step_failed messages for a lease this node never heard its holder claim (counted as tries, not attempts). */
  failuresUnverified: number
  /** Results forgotten because every node that held them is dead (the step runs again; losses.ts). */
  resultsLost: number
  /** Cancels refused: sent by a member that neither submitted the job nor is an operator. */
  cancelsRefused: number
  /** Jobs refused for the limits (jobs.maxRunningPerSubmitter, jobs.maxJobs). */
  jobsRefused: number
  pausesDetected: number
  jobsCompleted: number
  jobsFailed: number
  jobsCancelled: number
}

export function createMetrics (): CoordinatorMetrics {
  return {
    stepsRun: 0,
    stepsCompleted: 0,
    stepsFailed: 0,
    cacheHits: 0,
    cacheMisses: 0,
    lookupTimeouts: 0,
    claims: 0,
    takeovers: 0,
    conflictsLost: 0,
    duplicateExecutions: 0,
    abortedExecutions: 0,
    antiEntropyAnswers: 0,
    reassertions: 0,
    refutations: 0,
    takeoversRefuted: 0,
    epochsRejected: 0,
    claimsBarred: 0,
    resultMismatches: 0,
    lagDeferrals: 0,
    resultsRejected: 0,
    failuresUnverified: 0,
    resultsLost: 0,
    cancelsRefused: 0,
    jobsRefused: 0,
    pausesDetected: 0,
    jobsCompleted: 0,
    jobsFailed: 0,
    jobsCancelled: 0
  }
}
