import { useMemo, useState } from 'preact/hooks'
import type { ApiEvent, JobDetail } from '../../../src/api/schemas.ts'
import { errorMessage } from '../../../src/errors.ts'
import { call } from '../api.ts'
import { ago, duration, eta, short } from '../format.ts'
import { inputsOf, layoutJob } from '../graph.ts'
import type { GraphNode, JobGraph } from '../graph.ts'
import { useEvents, useLiveData, useNow } from '../live.ts'
import { ErrorNote, Field, ProgressBar } from './parts.tsx'
import { ResultPanel } from './result.tsx'

/**
 * One job: its DAG drawn as a graph with every step coloured by state, a
 * progress bar and ETA for running steps (from `step.progress` events), the
 * step's node, attempts, duration, cache hit and ffmpeg's error tail; cancel;
 * and the result once there is one.
 */

type Step = JobDetail['steps'][number]
interface Progress { progress: number | null, startedAt: number, peer: string | undefined }
interface StepReport { cacheId?: string, progress?: number | null, startedAt?: number }

function concerns (id: string): (e: ApiEvent) => boolean {
  return e => {
    const jobs = (e as { jobs?: unknown }).jobs
    return e.type !== 'step.progress' && e.type !== 'job.progress' && (e.job === id || (Array.isArray(jobs) && jobs.includes(id)))
  }
}

export function JobView ({ id }: { id: string }) {
  const now = useNow()
  const { data: job, error } = useLiveData(signal => call('getJob', { params: { id }, signal }), concerns(id), [id])
  const { data: doc } = useLiveData(signal => call('getDocument', { params: { cid: id }, signal }), () => false, [id])
  const [progress, setProgress] = useState(new Map<string, Progress>())
  const [selected, setSelected] = useState<string | undefined>(undefined)
  const [cancelError, setCancelError] = useState<Error | undefined>(undefined)
  // This node's steps every second (step.progress), every node's with its heartbeats.
  useEvents(e => e.type === 'step.progress' || e.type === 'heartbeat', event => {
    if (event.type !== 'step.progress' && event.type !== 'heartbeat') return
    const reports: StepReport[] = event.type === 'heartbeat' ? (event.steps ?? []) : [event]
    if (reports.length === 0) return
    setProgress(map => {
      const next = new Map(map)
      for (const r of reports) if (typeof r.cacheId === 'string') next.set(r.cacheId, { progress: r.progress ?? null, startedAt: r.startedAt ?? event.time, peer: typeof event.peer === 'string' ? event.peer : undefined })
      return next
    })
  })

  const recipe = (doc?.document as { recipe?: unknown, inputs?: Record<string, string> } | undefined)
  const graph = useMemo(() => job === undefined ? undefined : layoutJob(job.steps, inputsOf(recipe?.recipe), recipe?.inputs ?? {}), [job, recipe])
  if (job === undefined) return <section><h1>Job</h1>{error === undefined ? <p>loading…</p> : <ErrorNote error={error} />}</section>
  const step = job.steps.find(s => s.step === selected)

  const cancel = async (): Promise<void> => {
    try {
      await call('cancelJob', { params: { id } })
      setCancelError(undefined)
    } catch (err: unknown) {
      setCancelError(err instanceof Error ? err : new Error(errorMessage(err)))
    }
  }

  return (
    <section aria-labelledby="job-title" data-job={job.id} data-state={job.state}>
      <div class="heading">
        <h1 id="job-title">{job.label ?? job.recipe} <span class={`state state-${job.state}`} data-testid="job-state">{job.state}</span></h1>
        {job.state === 'running' && <button type="button" class="danger" onClick={() => { void cancel() }}>Cancel job</button>}
      </div>
      <ErrorNote error={cancelError ?? error} />
      <dl class="facts">
        <Field label="Job"><code class="wrap">{job.id}</code></Field>
        <Field label="Recipe">{job.recipe}</Field>
        <Field label="Submitted">{ago(job.submittedAt, now)} by <code title={job.submittedBy}>{short(job.submittedBy, 8)}</code></Field>
        <Field label="Steps">{job.progress.done}/{job.progress.total} done, {job.progress.cached} cached, {job.progress.running} running, {job.progress.failed} failed</Field>
      </dl>
      <ProgressBar value={job.progress.total === 0 ? 0 : job.progress.done / job.progress.total} label="job progress" />
      {job.error !== null && <pre class="error-tail" role="alert">{job.error}</pre>}
      {graph !== undefined && <GraphView graph={graph} steps={job.steps} progress={progress} now={now} selected={selected} onSelect={setSelected} />}
      {step !== undefined && <StepDetail step={step} progress={progress.get(step.cacheId)} now={now} />}
      <StepsTable steps={job.steps} progress={progress} now={now} onSelect={setSelected} />
      {job.output !== null && <ResultPanel job={job} />}
    </section>
  )
}

function running (step: Step): boolean {
  return step.state === 'running' || step.state === 'claimed'
}

function GraphView ({ graph, steps, progress, now, selected, onSelect }: { graph: JobGraph, steps: Step[], progress: Map<string, Progress>, now: number, selected: string | undefined, onSelect: (id: string) => void }) {
  const byId = new Map(steps.map(s => [s.step, s]))
  return (
    <figure class="graph">
      <figcaption class="muted small">The job's DAG: inputs on the left, the output on the right. Select a step for its details; hover for its cache id.</figcaption>
      <div class="graph-scroll">
        <svg viewBox={`0 0 ${graph.width} ${graph.height}`} width={graph.width} height={graph.height} role="group" aria-label="job graph">
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead" /></marker>
          </defs>
          {graph.edges.map(e => <polyline key={`${e.from}-${e.to}`} class="edge" points={e.points.map(p => `${p.x},${p.y}`).join(' ')} marker-end="url(#arrow)" />)}
          {graph.nodes.map(node => <GraphBox key={node.id} node={node} step={byId.get(node.id)} progress={progress} now={now} selected={selected === node.id} onSelect={onSelect} />)}
        </svg>
      </div>
    </figure>
  )
}

function GraphBox ({ node, step, progress, selected, onSelect }: { node: GraphNode, step: Step | undefined, progress: Map<string, Progress>, now: number, selected: boolean, onSelect: (id: string) => void }) {
  const p = step !== undefined && running(step) ? progress.get(step.cacheId) : undefined
  const title = step === undefined ? `input ${node.id}: ${node.sub}` : `${node.id} (${step.type}) ${step.state}\ncache_id ${step.cacheId}`
  const select = (): void => { if (step !== undefined) onSelect(node.id) }
  return (
    <g
      class={`node node-${node.state}${selected ? ' selected' : ''}`}
      transform={`translate(${node.x},${node.y})`}
      data-step={node.id}
      data-state={node.state}
      tabindex={step === undefined ? -1 : 0}
      role={step === undefined ? 'img' : 'button'}
      aria-label={`${node.id}: ${step?.state ?? 'input'}`}
      onClick={select}
      onKeyDown={e => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select() } }}
    >
      <title>{title}</title>
      <rect width={node.width} height={node.height} rx="6" />
      <text x="10" y="20" class="label">{node.label.length > 18 ? `${node.label.slice(0, 17)}…` : node.label}</text>
      <text x="10" y="38" class="sub">{step === undefined ? short(node.sub, 6) : `${node.sub} · ${step.state}`}</text>
      {p !== undefined && p.progress !== null && <rect class="progress" x="0" y={node.height - 4} width={node.width * p.progress} height="4" />}
      {p !== undefined && p.progress !== null && <text x={node.width - 8} y="20" class="pct" text-anchor="end">{Math.round(p.progress * 100)}%</text>}
    </g>
  )
}

function etaText (p: Progress | undefined, now: number): string {
  if (p === undefined) return 'waiting for progress'
  const left = eta(p.progress, p.startedAt, now)
  const spent = Math.max(0, now - p.startedAt)
  return left === null ? `running for ${duration(spent)}` : `${Math.round((p.progress ?? 0) * 100)}%, about ${duration(left)} left`
}

function StepDetail ({ step, progress, now }: { step: Step, progress: Progress | undefined, now: number }) {
  return (
    <section class="card step-detail" aria-labelledby="step-title" data-step={step.step}>
      <h2 id="step-title">Step {step.step} <span class={`state state-${step.state}`}>{step.state}</span></h2>
      {running(step) && <><ProgressBar value={progress?.progress ?? null} label={`${step.step} progress`} /><p class="small">{etaText(progress, now)}</p></>}
      <dl class="facts">
        <Field label="Type">{step.type}</Field>
        <Field label="Node">{step.peer === null ? '–' : <code title={step.peer}>{short(step.peer, 8)}</code>}</Field>
        <Field label="Attempts">{step.attempts}</Field>
        <Field label="Duration">{step.durationMs === null ? '–' : duration(step.durationMs)}</Field>
        <Field label="Cache">{step.cached ? 'hit (done earlier, anywhere in the cluster)' : 'miss'}</Field>
        <Field label="cache_id"><code class="wrap">{step.cacheId}</code></Field>
        {step.cid !== null && <Field label="Output"><code class="wrap">{step.cid}</code></Field>}
      </dl>
      {step.error !== null && <><h3>ffmpeg's last lines</h3><pre class="error-tail">{step.error}</pre></>}
    </section>
  )
}

function StepsTable ({ steps, progress, now, onSelect }: { steps: Step[], progress: Map<string, Progress>, now: number, onSelect: (id: string) => void }) {
  return (
    <div class="table-wrap">
      <table class="steps">
        <caption class="muted small">Every step of the plan</caption>
        <thead><tr><th scope="col">Step</th><th scope="col">State</th><th scope="col">Progress</th><th scope="col">Node</th><th scope="col">Attempts</th><th scope="col">Duration</th><th scope="col">Cache</th></tr></thead>
        <tbody>
          {steps.map(step => (
            <tr key={step.step} data-step={step.step} data-state={step.state}>
              <th scope="row" data-label="Step"><button type="button" class="link" title={`cache_id ${step.cacheId}`} onClick={() => { onSelect(step.step) }}>{step.step}</button> <span class="muted small">{step.type}</span></th>
              <td data-label="State"><span class={`state state-${step.state}`}>{step.state}</span></td>
              <td data-label="Progress">{running(step) ? <><ProgressBar value={progress.get(step.cacheId)?.progress ?? null} label={`${step.step} progress`} /><span class="small">{etaText(progress.get(step.cacheId), now)}</span></> : step.state === 'completed' || step.state === 'cached' ? 'done' : '–'}</td>
              <td data-label="Node">{step.peer === null ? '–' : <code title={step.peer}>{short(step.peer, 6)}</code>}</td>
              <td data-label="Attempts">{step.attempts}</td>
              <td data-label="Duration">{step.durationMs === null ? '–' : duration(step.durationMs)}</td>
              <td data-label="Cache">{step.cached ? 'hit' : '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
