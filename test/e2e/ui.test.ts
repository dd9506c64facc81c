import http from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildPath, routes } from '../../src/api/routes.ts'
import { launchBrowser, screenshot } from './helpers/browser.ts'
import type { Browser } from './helpers/browser.ts'
import { makeClip } from './helpers/cli.ts'
import { Daemon, eventually, initHomes, startCluster } from './helpers/daemon.ts'

/**
 * Issue 12, end to end: the dashboard of a real daemon in a three-daemon
 * cluster, in Debian's Chromium. Screenshots of every page go to
 * test-results/screenshots/ for a reviewer.
 */

// What the callbacks run inside the page see (the project's TypeScript has no DOM library).
interface VideoElement {
  currentTime: number
  duration: number
  videoWidth: number
  muted: boolean
  play: () => Promise<void>
  pause: () => void
  addEventListener: (type: string, fn: (e: unknown) => void, o?: { once: boolean }) => void
}
declare const location: { hash: string, href: string }
declare const window: Record<string, unknown>
declare const document: { querySelector: (selector: string) => unknown }
declare const sessionStorage: { getItem: (key: string) => string | null }

/** Suspect after 1.5 s, dead after 8 s: a window wide enough to see "suspect" on a busy machine. */
const ENV = { ARTDAG_MEMBERSHIP__SUSPECT_AFTER_MS: '1500', ARTDAG_MEMBERSHIP__DEAD_AFTER_MS: '8000' }
/** Bounds on page state (not waits): generous, so a loaded CI machine still passes. */
const PAGE_BOUND_MS = 30_000
const JOB_BOUND_MS = 120_000
const SOME_CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'

const RECIPE = `version: 1
name: ui-pip
inputs:
  clip: ./clip.mp4
nodes:
  main: { type: generate, config: { pattern: mandelbrot, duration: 6, width: 640, height: 360, fps: 25, audio: sine, frequency: 220 } }
  part: { type: segment, inputs: [clip], config: { start: 0.5, duration: 3 } }
  pip:  { type: overlay, inputs: [main, part], config: { anchor: bottom-right, margin: 16, start: 1, end: 4 } }
  out:  { type: encode, inputs: [pip], config: { codec: h264, crf: 30, preset: ultrafast } }
output: out
`
/** The same recipe with a bad value on line 7 (part's start). */
const BAD_RECIPE = RECIPE.replace('start: 0.5, duration: 3', 'start: -2, duration: 3')
const BAD_LINE = 7

let dir: string
let daemons: Daemon[]
let browser: Browser
let base: string
let loginUrl: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'artdag-e2e-ui-'))
  const homes = await initHomes(dir, ['a', 'b', 'c'])
  daemons = await startCluster(homes, { env: ENV })
  for (const d of daemons) await eventually(async () => (await d.json(['status'])).membership.alive === 2, { what: 'a full cluster' })
  const ui = await daemons[0]!.json<{ url: string, token: string, loginUrl: string }>(['ui'])
  base = ui.url
  loginUrl = ui.loginUrl
  await makeClip(join(dir, 'clip.mp4'), { seconds: 4 })
  browser = await launchBrowser()
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await Promise.all((daemons ?? []).map(async d => {
    await d.stop()
  }))
  await rm(dir, { recursive: true, force: true })
})

async function openDashboard (hash = '#/'): Promise<Page> {
  const page = await browser.context.newPage()
  await page.goto(loginUrl)
  await page.waitForFunction(() => !location.href.includes('token='), undefined, { timeout: PAGE_BOUND_MS })
  if (hash !== '#/') {
    await page.evaluate(h => {
      location.hash = h
    }, hash)
  }
  return page
}

/** A raw request to the dashboard, with what a browser or an attacker would send. */
function request (method: string, url: string, headers: Record<string, string> = {}, host = '127.0.0.1'): Promise<{ status: number, headers: http.IncomingHttpHeaders, body: string }> {
  const target = new URL(url)
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: target.port, method, path: `${target.pathname}${target.search}`, headers, agent: false }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', chunk => {
        body += chunk
      })
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body })
      })
    })
    req.on('error', reject)
    req.end()
  })
}

describe('the dashboard', { timeout: 240_000 }, () => {
  it('lists the three nodes alive, with their slots, ffmpeg and version; the token leaves the URL', async () => {
    const page = await openDashboard()
    expect(page.url()).not.toContain('token')
    expect(await page.evaluate(() => sessionStorage.getItem('artdag.token'))).toMatch(/^[A-Za-z0-9_-]{43}$/)
    await page.locator('tr[data-peer][data-state="alive"]').nth(2).waitFor({ timeout: PAGE_BOUND_MS })
    expect(await page.locator('tr[data-peer]').count()).toBe(3)
    for (const d of daemons) {
      const row = page.locator(`tr[data-peer="${d.peerId}"]`)
      expect(await row.getAttribute('data-state')).toBe('alive')
      expect(await row.textContent()).toMatch(/0\.1\.0/)
      expect(await row.textContent()).toMatch(/h264/)
      expect(await row.textContent()).toMatch(/\d+ used, \d+ free/)
    }
    await page.locator('[data-live="live"]').waitFor({ timeout: PAGE_BOUND_MS })
    await screenshot(page, 'cluster')
    await page.setViewportSize({ width: 390, height: 844 })
    await screenshot(page, 'cluster-phone')
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.setViewportSize({ width: 1280, height: 800 })
    await screenshot(page, 'cluster-dark')
    await page.close()
  })

  it('shows a recipe error at its line and submits nothing', async () => {
    const page = await openDashboard('#/submit')
    const posted: string[] = []
    page.on('request', (req: Request) => {
      if (req.method() === 'POST') posted.push(new URL(req.url()).pathname)
    })
    await page.locator('[data-testid="recipe-text"]').fill(BAD_RECIPE)
    await page.locator('[data-testid="input-file-clip"]').setInputFiles(join(dir, 'clip.mp4'))
    await page.locator('[data-testid="input-status-clip"]', { hasText: 'added' }).waitFor({ timeout: PAGE_BOUND_MS })
    await page.getByRole('button', { name: 'Submit' }).click()
    const error = page.locator(`[data-testid="line-error"][data-line="${BAD_LINE}"]`)
    await error.waitFor({ timeout: PAGE_BOUND_MS })
    expect(await error.textContent()).toMatch(/nodes\.part\.config\.start/)
    expect(await page.locator('li.error-line').getAttribute('data-line')).toBe(String(BAD_LINE))
    await screenshot(page, 'submit-error')
    expect(posted).not.toContain(routes.submitJob.path)
    expect((await daemons[0]!.json<{ jobs: unknown[] }>(['jobs'])).jobs).toHaveLength(0)
    await page.close()
  })

  it('submits a recipe with a file picked from disk; the graph goes from running to completed live; the output plays and seeks', async () => {
    const page = await openDashboard('#/submit')
    const ranges: number[] = []
    page.on('response', res => {
      if (new URL(res.url()).pathname.startsWith('/v1/content/') && res.request().headers().range !== undefined) ranges.push(res.status())
    })
    await page.locator('[data-testid="recipe-text"]').fill(RECIPE)
    await page.locator('[data-testid="input-file-clip"]').setInputFiles(join(dir, 'clip.mp4'))
    await page.locator('[data-testid="input-status-clip"]', { hasText: 'added' }).waitFor({ timeout: PAGE_BOUND_MS })
    await screenshot(page, 'submit')
    await page.getByRole('button', { name: 'Submit' }).click()
    await page.waitForFunction(() => location.hash.startsWith('#/jobs/'), undefined, { timeout: PAGE_BOUND_MS })
    // The page is never reloaded from here on: what changes comes over the event stream.
    await page.evaluate(() => {
      window.marker = 1
    })

    // Steps run for seconds: their progress arrives pushed, as bars with a value and an ETA. Record any seen.
    await page.evaluate(() => {
      const seen = (): void => {
        const bar = document.querySelector('table.steps [role="progressbar"][aria-valuenow]') as { closest: (s: string) => { textContent: string } | null } | null
        if (bar !== null) window.progressSeen = bar.closest('tr')?.textContent ?? ''
      }
      new (window.MutationObserver as new(fn: () => void) => { observe: (n: unknown, o: unknown) => void })(seen).observe(document.querySelector('main'), { subtree: true, childList: true, attributes: true })
    })
    await page.locator('g.node[data-state="running"], g.node[data-state="claimed"]').first().waitFor({ timeout: JOB_BOUND_MS })
    await screenshot(page, 'job-running')
    await page.locator('[data-testid="job-state"]', { hasText: 'completed' }).waitFor({ timeout: JOB_BOUND_MS })
    expect(await page.locator('g.node[data-step]:not([data-state="input"])').count()).toBe(4)
    expect(await page.locator('g.node[data-state="completed"]').count()).toBe(4)
    expect(await page.locator('g.node[data-state="input"]').count()).toBe(1)
    expect(await page.evaluate(() => window.marker)).toBe(1)
    expect(await page.evaluate(() => window.progressSeen)).toMatch(/\d+%, about .+ left/)
    // By keyboard: a graph node takes the focus and Enter opens its step; its cache_id is on hover too.
    await page.locator('g.node[data-step="out"]').focus()
    await page.keyboard.press('Enter')
    const detail = page.locator('.step-detail[data-step="out"]')
    await detail.waitFor({ timeout: PAGE_BOUND_MS })
    expect(await detail.textContent()).toMatch(/cache_id[0-9a-f]{64}/)
    expect(await page.locator('g.node[data-step="out"] title').textContent()).toMatch(/cache_id [0-9a-f]{64}/)

    const video = page.locator('[data-testid="output-video"]')
    await video.waitFor({ timeout: PAGE_BOUND_MS })
    await page.locator('[data-testid="thumbnail"]').waitFor({ timeout: PAGE_BOUND_MS })
    await video.evaluate(async (v: VideoElement) => {
      v.muted = true
      await v.play()
    })
    await page.waitForFunction(() => (document.querySelector('[data-testid="output-video"]') as VideoElement).currentTime > 0.5, undefined, { timeout: PAGE_BOUND_MS })
    const seeked = await video.evaluate(async (v: VideoElement) => {
      v.pause()
      const done = new Promise(resolve => {
        v.addEventListener('seeked', resolve, { once: true })
      })
      v.currentTime = 4
      await done
      return { time: v.currentTime, duration: v.duration, width: v.videoWidth }
    })
    expect(seeked.time).toBeGreaterThanOrEqual(3.9)
    expect(seeked.duration).toBeGreaterThan(5)
    expect(seeked.width).toBe(640)
    expect(ranges).toContain(206)
    await screenshot(page, 'job-completed')
    await page.setViewportSize({ width: 390, height: 844 })
    await screenshot(page, 'job-completed-phone')
    await page.setViewportSize({ width: 1280, height: 800 })

    await page.evaluate(() => {
      location.hash = '#/jobs'
    })
    await page.locator('tr[data-job][data-state="completed"]').waitFor({ timeout: PAGE_BOUND_MS })
    await screenshot(page, 'jobs')
    await page.locator('[data-testid="job-state-filter"]').selectOption('failed')
    await page.getByText('No failed jobs yet.').waitFor({ timeout: PAGE_BOUND_MS })
    await page.evaluate(() => {
      location.hash = '#/events'
    })
    await page.locator('ol.events li[data-type="heartbeat"]').first().waitFor({ timeout: PAGE_BOUND_MS })
    await page.locator('[data-testid="event-type-filter"]').fill('member')
    await page.locator('ol.events li[data-type="heartbeat"]').first().waitFor({ state: 'detached', timeout: PAGE_BOUND_MS })
    await page.locator('[data-testid="event-type-filter"]').fill('')
    await screenshot(page, 'events')
    await page.close()
  })

  it('answers 401 on every route without the token, refuses other hosts and origins, and the page says how to get a URL', async () => {
    for (const def of Object.values(routes)) {
      const path = buildPath(def.path, { cid: SOME_CID, id: SOME_CID, cacheId: 'a'.repeat(64) })
      const res = await request(def.method, new URL(path, base).toString())
      expect(res.status, `${def.method} ${def.path}`).toBe(401)
      expect(JSON.parse(res.body).error.name).toBe('UnauthorizedError')
      expect(res.headers['access-control-allow-origin']).toBeUndefined()
    }
    const wrong = await request('GET', new URL('/v1/status', base).toString(), { authorization: 'Bearer nope' })
    expect(wrong.status).toBe(401)
    const token = new URLSearchParams(new URL(loginUrl).hash.slice(1)).get('token') as string
    const auth = { authorization: `Bearer ${token}` }
    expect((await request('GET', new URL('/v1/status', base).toString(), auth)).status).toBe(200)
    // DNS rebinding: a page of evil.example resolved to 127.0.0.1 sends its own Host.
    expect((await request('GET', new URL('/v1/status', base).toString(), { ...auth, host: `evil.example:${new URL(base).port}` })).status).toBe(403)
    expect((await request('POST', new URL('/v1/gc', base).toString(), { ...auth, origin: 'http://evil.example' })).status).toBe(403)
    // Bound to 127.0.0.1 only: another address of the machine (here 127.0.0.2) is not served.
    await expect(request('GET', new URL('/v1/status', base).toString(), auth, '127.0.0.2')).rejects.toThrow(/ECONNREFUSED/)

    const page = await browser.context.newPage()
    await page.goto(base)
    await page.getByText('artdag ui', { exact: true }).waitFor({ timeout: PAGE_BOUND_MS })
    await screenshot(page, 'no-token')
    await page.close()
  })

  it('shows a stopped node turn suspect, then dead', async () => {
    const page = await openDashboard()
    const victim = daemons[2]!
    const row = page.locator(`tr[data-peer="${victim.peerId}"]`)
    await page.locator(`tr[data-peer="${victim.peerId}"][data-state="alive"]`).waitFor({ timeout: PAGE_BOUND_MS })
    await victim.stop()
    await page.locator(`tr[data-peer="${victim.peerId}"][data-state="suspect"]`).waitFor({ timeout: PAGE_BOUND_MS })
    await screenshot(page, 'cluster-suspect')
    await page.locator(`tr[data-peer="${victim.peerId}"][data-state="dead"]`).waitFor({ timeout: PAGE_BOUND_MS })
    expect(await row.textContent()).toMatch(/since/)
    await screenshot(page, 'cluster-dead')
    await page.close()
  })
})
