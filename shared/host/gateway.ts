import { Hono } from 'hono'
import { html } from 'hono/html'
import { problem } from '../http/problem.ts'
import type { ServiceHealth } from './health.ts'

/** What a gateway fronts: the Node host's in-process services, or workerd's service bindings. */
export interface GatewayTargets {
  services: { name: string; fetch(request: Request): Response | Promise<Response> }[]
  health(): Promise<{ ok: boolean; redis: string; services: Record<string, ServiceHealth> }>
}

/**
 * One app in front of the services: `/api/<service>/...` goes to that service, `/health` reports on
 * all of them, `/` lists the APIs.
 */
export function createGateway(running: GatewayTargets) {
  const byName = new Map(running.services.map((s) => [s.name, s]))
  return (
    new Hono()
      .get('/health', async (c) => {
        const report = await running.health()
        return c.json(
          { status: report.ok ? 'ok' : 'degraded', redis: report.redis, services: report.services },
          report.ok ? 200 : 503,
        )
      })
      // Also matches `/api/<service>` itself.
      .all('/api/:service/*', (c) => {
        const service = byName.get(c.req.param('service'))
        if (service) return service.fetch(c.req.raw)
        return problem(c, {
          type: 'about:blank',
          title: `Service ${c.req.param('service')} does not run here`,
          status: 404,
        })
      })
      .get('/', (c) => c.html(indexPage([...byName.keys()])))
  )
}

const apis: Record<string, string[]> = {
  customers: ['POST /api/customers', 'GET /api/customers', 'GET /api/customers/{id}'],
  vehicles: ['POST /api/vehicles', 'GET /api/vehicles', 'GET /api/vehicles/{licenseNumber}'],
  workshop: [
    'POST /api/workshop/planning/{date}/jobs',
    'PUT /api/workshop/planning/{date}/jobs/{jobId}/finish',
    'GET /api/workshop/planning/{date}',
    'GET /api/workshop/planning/{date}/jobs/{jobId}',
    'GET /api/workshop/jobs?from={date}&to={date}',
    'GET /api/workshop/refdata/customers[/{id}]',
    'GET /api/workshop/refdata/vehicles[/{licenseNumber}]',
    'GET /api/workshop/events',
  ],
}

const indexPage = (running: string[]) =>
  html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>Pitstop Edge</title>
      </head>
      <body>
        <h1>Pitstop Edge</h1>
        <p>Garage management as event-driven services. <a href="/health">Health</a></p>
        ${running.map(
          (name) =>
            html`<h2>${name}</h2>
              <ul>
                ${(apis[name] ?? []).map((api) => html`<li><code>${api}</code></li>`)}
              </ul>`,
        )}
      </body>
    </html>`
