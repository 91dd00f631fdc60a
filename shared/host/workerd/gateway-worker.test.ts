import { describe, expect, it } from 'vitest'
import gateway from './gateway-worker.ts'
import type { Fetcher } from './runtime.ts'

/** A service worker's binding, answering as `answer` does. */
const binding = (answer: (path: string) => Response): Fetcher => ({
  fetch: async (input) => answer(new URL(typeof input === 'string' ? input : input.url).pathname),
})
const healthy = binding((path) =>
  path === '/health'
    ? Response.json({
        status: 'ok',
        database: 'ok',
        redis: 'ok',
        unpublishedEvents: 0,
        problems: [],
        consumers: [],
      })
    : Response.json(['GET /api/vehicles']),
)
const misconfigured = binding(
  () =>
    new Response(
      JSON.stringify({
        type: 'about:blank',
        title: 'The worker is misconfigured',
        status: 500,
        detail: 'LIBSQL_URL_CUSTOMERS: names no host',
      }),
      { status: 500, headers: { 'content-type': 'application/problem+json' } },
    ),
)
// ASSETS is a binding, not a service: only those SERVICES names are routed to and asked for health.
const assets = binding(() => new Response('<html></html>', { headers: { 'content-type': 'text/html' } }))
const env = {
  LOG_LEVEL: 'silent',
  SERVICES: 'customers,vehicles',
  CUSTOMERS: misconfigured,
  VEHICLES: healthy,
  ASSETS: assets,
}
const get = (path: string) => gateway.fetch(new Request(`http://pitstop.test${path}`), env)

describe('the gateway worker in front of a misconfigured service worker', () => {
  it('reports that worker failing on /health with its problem, and the others as they are', async () => {
    const response = await get('/health')
    expect(response.status).toBe(503)
    const report = (await response.json()) as {
      services: Record<string, { status: string; problems: string[] }>
    }
    expect(report.services.customers).toMatchObject({
      status: 'failing',
      problems: ['worker The worker is misconfigured: LIBSQL_URL_CUSTOMERS: names no host'],
    })
    expect(report.services.vehicles).toMatchObject({ status: 'ok' })
    expect(Object.keys(report.services)).toEqual(['customers', 'vehicles'])
  })

  it('still serves the API index, with the endpoints of the workers that can say', async () => {
    const response = await get('/api')
    expect(response.status).toBe(200)
    const page = await response.text()
    expect(page).toContain('<h2>customers</h2>')
    expect(page).toContain('GET /api/vehicles')
  })
})

describe('the gateway worker without SERVICES', () => {
  it('says it is misconfigured, naming SERVICES, rather than route to whatever is bound', async () => {
    const response = await gateway.fetch(new Request('http://pitstop.test/health'), {
      LOG_LEVEL: 'silent',
      VEHICLES: healthy,
    })
    expect(response.status).toBe(500)
    expect(((await response.json()) as { detail: string }).detail).toContain('SERVICES')
  })
})
