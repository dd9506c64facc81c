import { useState } from 'preact/hooks'
import type { ApiEvent, JobState, JobSummary } from '../../../src/api/schemas.ts'
import { jobStateSchema } from '../../../src/api/schemas.ts'
import { call } from '../api.ts'
import { ago, short } from '../format.ts'
import { useLiveData, useNow } from '../live.ts'
import { ErrorNote, ProgressBar } from './parts.tsx'

/** The jobs this node knows, filterable by state; reloaded when a job or a step changes (not at each progress report). */

const touchesJobs = (e: ApiEvent): boolean => ((e.type.startsWith('job.') || e.type.startsWith('step.')) && !e.type.endsWith('.progress')) || e.type === 'result.ready'

export function JobsView () {
  const now = useNow()
  const [state, setState] = useState<JobState | ''>('')
  const { data, error } = useLiveData(async signal => (await call('listJobs', { query: { state: state === '' ? undefined : state }, signal })).jobs, touchesJobs, [state])
  const jobs = [...(data ?? [])].sort((a, b) => b.submittedAt - a.submittedAt)
  return (
    <section aria-labelledby="jobs-title">
      <div class="heading">
        <h1 id="jobs-title">Jobs</h1>
        <a class="button" href="#/submit">Submit a recipe</a>
      </div>
      <label class="inline">State{' '}
        <select value={state} onChange={e => { setState((e.currentTarget as HTMLSelectElement).value as JobState | '') }} data-testid="job-state-filter">
          <option value="">all</option>
          {jobStateSchema.options.map(s => <option key={s} value={s}>{s}</option>)}
        </select>
      </label>
      <ErrorNote error={error} />
      {data !== undefined && jobs.length === 0 && <p class="muted">No {state === '' ? '' : `${state} `}jobs yet.</p>}
      <div class="table-wrap">
        <table class="jobs">
          <thead><tr><th scope="col">Job</th><th scope="col">State</th><th scope="col">Progress</th><th scope="col">Submitted</th></tr></thead>
          <tbody>{jobs.map(job => <JobRow key={job.id} job={job} now={now} />)}</tbody>
        </table>
      </div>
    </section>
  )
}

function JobRow ({ job, now }: { job: JobSummary, now: number }) {
  const p = job.progress
  return (
    <tr data-job={job.id} data-state={job.state}>
      <th scope="row" data-label="Job">
        <a href={`#/jobs/${encodeURIComponent(job.id)}`}>{job.label ?? job.recipe}</a>
        <div class="muted small"><code title={job.id}>{short(job.id, 8)}</code></div>
      </th>
      <td data-label="State"><span class={`state state-${job.state}`}>{job.state}</span></td>
      <td data-label="Progress">
        <ProgressBar value={p.total === 0 ? 0 : p.done / p.total} label={`${job.recipe} progress`} />
        <span class="small">{p.done}/{p.total} done{p.cached > 0 ? `, ${p.cached} cached` : ''}{p.running > 0 ? `, ${p.running} running` : ''}{p.failed > 0 ? `, ${p.failed} failed` : ''}</span>
      </td>
      <td data-label="Submitted" title={new Date(job.submittedAt).toISOString()}>{ago(job.submittedAt, now)} by <code title={job.submittedBy}>{short(job.submittedBy, 6)}</code></td>
    </tr>
  )
}
