import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { onUnauthorized } from './api.ts'
import { startLive, stopLive, useLiveState } from './live.ts'
import { adoptTokenFromUrl, token } from './session.ts'
import { ClusterView } from './views/cluster.tsx'
import { EventsView } from './views/events.tsx'
import { JobView } from './views/job.tsx'
import { JobsView } from './views/jobs.tsx'
import { LoginView } from './views/login.tsx'
import { SubmitView } from './views/submit.tsx'
import './style.css'

/** The dashboard: hash routes (`#/`, `#/jobs`, `#/jobs/<id>`, `#/submit`, `#/events`), one live stream. */

type Route = { view: 'cluster' } | { view: 'jobs' } | { view: 'job', id: string } | { view: 'submit' } | { view: 'events' }

function routeOf (hash: string): Route {
  const path = hash.replace(/^#/, '') || '/'
  const job = /^\/jobs\/([^/?]+)$/.exec(path)
  if (job?.[1] !== undefined) return { view: 'job', id: decodeURIComponent(job[1]) }
  if (path === '/jobs') return { view: 'jobs' }
  if (path === '/submit') return { view: 'submit' }
  if (path === '/events') return { view: 'events' }
  return { view: 'cluster' }
}

function useRoute (): Route {
  const [route, setRoute] = useState(routeOf(location.hash))
  useEffect(() => {
    const onChange = (): void => { setRoute(routeOf(location.hash)) }
    addEventListener('hashchange', onChange)
    return () => { removeEventListener('hashchange', onChange) }
  }, [])
  return route
}

const NAV: Array<[Route['view'], string, string]> = [
  ['cluster', '#/', 'Cluster'],
  ['jobs', '#/jobs', 'Jobs'],
  ['submit', '#/submit', 'Submit'],
  ['events', '#/events', 'Events']
]

function Header ({ route }: { route: Route }) {
  const live = useLiveState()
  const current = route.view === 'job' ? 'jobs' : route.view
  return (
    <header class="top">
      <a class="brand" href="#/">artdag</a>
      <nav aria-label="Sections">
        {NAV.map(([view, href, label]) => <a key={view} href={href} aria-current={current === view ? 'page' : undefined}>{label}</a>)}
      </nav>
      <span class={`live live-${live}`} role="status" aria-live="polite" data-live={live}>{live === 'live' ? 'live' : live === 'connecting' ? 'connecting…' : 'offline, retrying'}</span>
    </header>
  )
}

function App () {
  const route = useRoute()
  const [authorized, setAuthorized] = useState(token() !== null)
  useEffect(() => onUnauthorized(() => { setAuthorized(false) }), [])
  useEffect(() => {
    if (!authorized) return
    startLive()
    return () => { stopLive() }
  }, [authorized])
  if (!authorized) return <LoginView />
  return (
    <>
      <Header route={route} />
      <main id="main">
        {route.view === 'cluster' && <ClusterView />}
        {route.view === 'jobs' && <JobsView />}
        {route.view === 'job' && <JobView id={route.id} />}
        {route.view === 'submit' && <SubmitView />}
        {route.view === 'events' && <EventsView />}
      </main>
    </>
  )
}

adoptTokenFromUrl()
render(<App />, document.getElementById('app') as HTMLElement)
