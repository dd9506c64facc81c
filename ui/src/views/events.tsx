import { useState } from 'preact/hooks'
import type { ApiEvent } from '../../../src/api/schemas.ts'
import { clock, short } from '../format.ts'
import { useEvents } from '../live.ts'

/** The live event stream, newest first (the last 500), filterable by type prefix and job. */

const KEEP = 500

export function EventsView () {
  const [events, setEvents] = useState<ApiEvent[]>([])
  const [type, setType] = useState('')
  const [job, setJob] = useState('')
  const [paused, setPaused] = useState(false)
  useEvents(() => !paused, event => { setEvents(list => [event, ...list].slice(0, KEEP)) })
  const types = type.split(',').map(t => t.trim()).filter(t => t !== '')
  const shown = events.filter(e => (types.length === 0 || types.some(t => e.type === t || e.type.startsWith(`${t}.`) || e.type.startsWith(t))) && (job === '' || e.job === job.trim()))
  return (
    <section aria-labelledby="events-title">
      <h1 id="events-title">Events</h1>
      <form class="filters" onSubmit={e => { e.preventDefault() }}>
        <label>Type <input value={type} onInput={e => { setType((e.currentTarget as HTMLInputElement).value) }} placeholder="member, step, job.completed" data-testid="event-type-filter" /></label>
        <label>Job <input value={job} onInput={e => { setJob((e.currentTarget as HTMLInputElement).value) }} placeholder="job id" /></label>
        <button type="button" onClick={() => { setPaused(!paused) }} aria-pressed={paused}>{paused ? 'Resume' : 'Pause'}</button>
        <button type="button" onClick={() => { setEvents([]) }}>Clear</button>
      </form>
      <p class="muted small">{shown.length} of {events.length} events since this page opened</p>
      <ol class="events" aria-live="off">
        {shown.map((event, i) => <EventRow key={`${event.time}-${i}-${events.length}`} event={event} />)}
      </ol>
    </section>
  )
}

function EventRow ({ event }: { event: ApiEvent }) {
  const { type, time, job, peer, ...rest } = event
  const extra = Object.entries(rest).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')
  return (
    <li data-type={type}>
      <time>{clock(time)}</time>
      <span class={`etype etype-${type.split('.')[0] ?? ''}`}>{type}</span>
      {typeof job === 'string' && <a href={`#/jobs/${encodeURIComponent(job)}`} title={job}>job {short(job, 6)}</a>}
      {typeof peer === 'string' && <code title={peer}>{short(peer, 6)}</code>}
      <span class="muted small">{extra}</span>
    </li>
  )
}
