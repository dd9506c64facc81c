import http from 'node:http'
import { createServer } from 'node:net'
import type { AddressInfo, Server } from 'node:net'
import { mkdir, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../../src/log.ts'
import { homePaths } from '../../../src/node/home.ts'
import { createUiServer } from '../../../src/ui/server.ts'
import type { UiServer } from '../../../src/ui/server.ts'
import { makeHome, openContentStore, peersBackend, systemBackend, TestEvents } from '../api/fixtures.ts'

/** The dashboard's server over real parts in a temp home: its port, its files, its lifecycle. */

let cleanup: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn()
  cleanup = []
})

async function startUi (options: { port?: number, assetsDir?: string } = {}): Promise<{ ui: UiServer, home: string, events: TestEvents }> {
  const home = await makeHome()
  const content = await openContentStore(home)
  const events = new TestEvents()
  const ui = createUiServer({ system: systemBackend(), peers: peersBackend(), content: content.store, events, metrics: new Registry(), logger: silentLogger() }, {
    host: '127.0.0.1',
    port: options.port ?? 0,
    tokenFile: homePaths(home).uiToken,
    assetsDir: options.assetsDir ?? join(home, 'no-build'),
    home,
    socketPath: homePaths(home).socket,
    maxUploadBytes: 1024 ** 2,
    maxJsonBodyBytes: 1024 ** 2,
    contentTimeoutMs: 5_000,
    eventBufferBytes: 1024 ** 2,
    now: Date.now
  })
  await ui.start()
  cleanup.push(async () => {
    await ui.stop()
    await content.close()
    await rm(join(home, '..'), { recursive: true, force: true })
  })
  return { ui, home, events }
}

function get (url: string, headers: Record<string, string> = {}): Promise<{ status: number, headers: http.IncomingHttpHeaders, body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers, agent: false }, res => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', chunk => {
        body += chunk
      })
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body })
      })
    }).on('error', reject)
  })
}

async function takePort (): Promise<Server> {
  const server = createServer()
  await new Promise<void>(resolve => {
    server.listen(0, '127.0.0.1', resolve)
  })
  cleanup.push(async () => {
    await new Promise(resolve => {
      server.close(resolve)
    })
  })
  return server
}

describe('the dashboard server', () => {
  it('takes the next port when its own is taken, and makes its token 0600 in the home', async () => {
    const taken = (await takePort()).address() as AddressInfo
    const { ui, home } = await startUi({ port: taken.port })
    const info = await ui.info()
    expect(new URL(info.url).port).not.toBe(String(taken.port))
    expect(Number(new URL(info.url).port)).toBeGreaterThan(taken.port)
    expect(new URL(info.url).hostname).toBe('127.0.0.1')
    expect((await stat(homePaths(home).uiToken)).mode & 0o777).toBe(0o600)
    const status = await get(new URL('/v1/status', info.url).toString(), { authorization: `Bearer ${info.token}` })
    expect(status.status).toBe(200)
    expect(JSON.parse(status.body).peer).toMatch(/^12D3KooW/)
  })

  it('serves a page that says how to build it when dist/ui is missing, with a strict CSP and no CORS', async () => {
    const { ui } = await startUi()
    const page = await get((await ui.info()).url)
    expect(page.status).toBe(200)
    expect(page.body).toMatch(/npm run build:ui/)
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/)
    expect(page.headers['access-control-allow-origin']).toBeUndefined()
    expect(page.headers['x-frame-options']).toBe('DENY')
  })

  it('serves the built files from memory, hashed assets cached for good', async () => {
    const home = await makeHome()
    const assets = join(home, 'dist')
    await mkdir(join(assets, 'assets'), { recursive: true })
    await writeFile(join(assets, 'index.html'), '<!doctype html><title>built</title>')
    await writeFile(join(assets, 'assets', 'index-abc.js'), 'export {}')
    const { ui } = await startUi({ assetsDir: assets })
    const { url } = await ui.info()
    expect((await get(url)).body).toMatch(/built/)
    const js = await get(new URL('/assets/index-abc.js', url).toString())
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.headers['cache-control']).toMatch(/immutable/)
    expect((await get(new URL('/assets/other.js', url).toString())).status).toBe(401)
    await rm(join(home, '..'), { recursive: true, force: true })
  })

  it('stops: streams end, the port closes, and info says it is not running', async () => {
    const { ui, events } = await startUi()
    const { url, token } = await ui.info()
    const streamEnded = new Promise<void>((resolve, reject) => {
      http.get(new URL('/v1/events', url), { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, agent: false }, res => {
        res.resume()
        res.on('end', resolve)
      }).on('error', reject)
    })
    await events.waitForSubscribers(1)
    await ui.stop()
    await streamEnded
    expect(events.subscribers).toBe(0)
    await expect(get(new URL('/v1/status', url).toString())).rejects.toThrow(/ECONNREFUSED/)
    await expect(ui.info()).rejects.toMatchObject({ name: 'FeatureUnavailableError' })
  })
})
