import type { Hono, MiddlewareHandler } from 'hono'
import { html } from 'hono/html'
import { newUuidV7, type NewId } from '../clock.ts'
import { conventionalApp } from '../http/conventional-app.ts'
import { corsAllowList } from '../http/cors.ts'
import { problem } from '../http/problem.ts'
import { createLogger, type Logger } from '../logger.ts'
import type { HostHealth } from './health.ts'

/** What a gateway fronts: the Node host's in-process services, or workerd's service bindings. */
export interface GatewayTargets {
  services: {
    name: string
    /** `bindings`: the host's own for the request (`@hono/node-server`'s connection), handed on. */
    fetch(request: Request, bindings?: unknown): Response | Promise<Response>
    /** The service's endpoints (its definition's `api`), for the index page. */
    endpoints(): Promise<string[]>
  }[]
  /** The report for the request's caller: details for the manager, up or down for anyone else. */
  health(request: Request): Promise<HostHealth>
}

/** The web app the gateway serves beside the API, built on `call`: the gateway itself, as a client reaches it. */
export type WebApp = (
  call: (request: Request, bindings: unknown) => Response | Promise<Response>,
) => Hono<any>

export interface GatewayOptions {
  /** The pages at `/` and beside the API; none, and only the API and `/health` are served. */
  web?: WebApp
  /** Origins whose browser scripts may call the API (`CORS_ORIGINS`); none, CORS is off. */
  corsOrigins?: readonly string[]
  /** Where an error the gateway itself cannot answer is logged. */
  logger?: Logger
  newId?: NewId
}

type GatewayEnv = { Variables: { requestId: string; logger: Logger } }

/**
 * One app in front of the services: `/api/<service>/...` goes to that service, `/health` reports on
 * all of them (to the manager; anyone else learns only up or down), `/api` lists the APIs, and the web
 * app (`web`) serves the rest. Every response carries an `x-request-id` (the one the service
 * used, for `/api`) and the security headers; every error is problem+json. Without CORS headers to add,
 * a request for a service is handed to it as it came and its answer returned as it is: the service
 * keeps the same conventions itself, and going through the gateway's middleware as well cost the gateway
 * worker a third of its CPU per request.
 *
 * @example
 * serve({ fetch: createGateway(running, { corsOrigins: config.corsOrigins, logger }).fetch })
 */
export function createGateway(running: GatewayTargets, options: GatewayOptions = {}) {
  const { corsOrigins = [], logger = createLogger('error'), newId = newUuidV7, web } = options
  const byName = new Map(running.services.map((s) => [s.name, s]))
  const changeRequest = headersChanger(
    (request: Request) => new Request(request, { headers: request.headers }),
  )
  // The copy passes the body on without reading it.
  const changeResponse = headersChanger((response: Response) => new Response(response.body, response))
  const gatewayLogger: MiddlewareHandler<GatewayEnv> = async function gatewayLogger(c, next) {
    c.set('logger', logger)
    await next()
  }
  const cors = corsOrigins.length > 0 ? [corsAllowList(corsOrigins)] : []
  const gateway = conventionalApp<GatewayEnv>({ newId, use: [...cors, gatewayLogger] })
    .get('/health', async (c) => {
      const { ok, ...details } = await running.health(c.req.raw)
      return c.json({ status: ok ? 'ok' : 'degraded', ...details }, ok ? 200 : 503)
    })
    // Also matches `/api/<service>` itself.
    .all('/api/:service/*', async (c) => {
      const service = byName.get(c.req.param('service'))
      if (!service)
        return problem(c, {
          type: 'about:blank',
          title: `Service ${c.req.param('service')} does not run here`,
          status: 404,
        })
      // The service keeps the gateway's request id, so both log and answer the same one, and the
      // host's bindings: on Node the connection, the one client address nobody can forge.
      const id = c.get('requestId')
      const request =
        c.req.header('x-request-id') === id
          ? c.req.raw
          : changeRequest(c.req.raw, (headers) => headers.set('x-request-id', id))
      // Made mutable (a service binding's response on workerd is not), for the gateway's own headers.
      return changeResponse(await service.fetch(request, c.env), (headers) => headers.delete('x-powered-by'))
    })
    .get('/api', async (c) => {
      const services = [...byName.values()]
      const endpoints = await Promise.all(services.map((s) => s.endpoints().catch(() => [])))
      return c.html(indexPage(services.map((s, i) => ({ name: s.name, endpoints: endpoints[i]! }))))
    })
  if (web) {
    // Its routes join the gateway's, after them: a path neither has is the gateway's 404 problem.
    gateway.route(
      '/',
      web((request, bindings) => gateway.fetch(request, bindings)),
    )
  }
  if (cors.length > 0) return gateway
  // What the service cannot answer at all (a service binding that throws) is the gateway's 500.
  const failed = conventionalApp<GatewayEnv>({ newId, use: [gatewayLogger] }).all('*', (c) => {
    throw (c.env as { error: unknown }).error
  })
  const throughMiddleware = gateway.fetch
  gateway.fetch = async (request, bindings, context) => {
    const service = byName.get(API_SERVICE.exec(request.url)?.[1] ?? '')
    if (!service) return throughMiddleware(request, bindings, context)
    try {
      return await service.fetch(request, bindings)
    } catch (error) {
      return failed.fetch(request, { error })
    }
  }
  return gateway
}

/** The service named in an absolute URL's path `/api/<service>` or `/api/<service>/...`. */
const API_SERVICE = /^[a-z][a-z0-9+.-]*:\/\/[^/]+\/api\/([^/?#]+)(?:[/?#]|$)/i

// Copying a Request or Response costs tens of microseconds and, for a request, moves its body onto a
// web stream; on the Node host, where headers are mutable, both were half the gateway's cost per command.
// On workerd, whose requests and service bindings' responses have immutable headers, the error each
// attempt threw cost more than the copy: a third of the gateway's CPU.

/**
 * Changes the headers of what it is given in place, or those of a copy once an attempt in place has
 * thrown: what this runtime hands over has immutable headers, so every later one is copied at once.
 */
function headersChanger<T extends Request | Response>(copy: (target: T) => T) {
  let copies = false
  return (target: T, change: (headers: Headers) => void): T => {
    if (!copies)
      try {
        change(target.headers)
        return target
      } catch {
        copies = true
      }
    const copied = copy(target)
    change(copied.headers)
    return copied
  }
}

const indexPage = (running: { name: string; endpoints: string[] }[]) =>
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
          ({ name, endpoints }) =>
            html`<h2>${name}</h2>
              <ul>
                ${endpoints.map((api) => html`<li><code>${api}</code></li>`)}
              </ul>`,
        )}
      </body>
    </html>`
