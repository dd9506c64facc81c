import { Gauge } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { startHarness } from './fixtures.ts'
import type { Harness } from './fixtures.ts'
import { rawRequest } from './helpers.ts'

let harness: Harness | undefined

afterEach(async () => {
  await harness?.close()
  harness = undefined
})

describe('GET /metrics', () => {
  it("serves the daemon's registry, the process metrics and request counts by route template", async () => {
    harness = await startHarness()
    const { socketPath, client, metrics } = harness
    new Gauge({ name: 'artdag_test_slots', help: 'slots', registers: [metrics] }).set(4)

    await client.status()
    await rawRequest(socketPath, 'GET', '/v1/content/not-a-cid')
    await rawRequest(socketPath, 'GET', '/v1/content/also-not-a-cid')
    await rawRequest(socketPath, 'GET', '/v1/nothing')

    const res = await rawRequest(socketPath, 'GET', '/metrics')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/plain/)
    expect(res.text).toContain('artdag_test_slots 4')
    expect(res.text).toContain('process_cpu_user_seconds_total')
    expect(res.text).toContain('nodejs_eventloop_lag_seconds')
    expect(res.text).toContain('artdag_api_requests_total{method="GET",route="/v1/status",status="200"} 1')
    expect(res.text).toContain('artdag_api_requests_total{method="GET",route="/v1/content/:cid",status="400"} 2')
    expect(res.text).toContain('artdag_api_requests_total{method="GET",route="unmatched",status="404"} 1')
    expect(await client.metrics()).toContain('artdag_test_slots 4')
  })

  it("a restarted server registers nothing twice in the daemon's registry", async () => {
    harness = await startHarness()
    await harness.server.stop()
    await harness.server.start()
    expect((await rawRequest(harness.socketPath, 'GET', '/metrics')).status).toBe(200)
  })
})
