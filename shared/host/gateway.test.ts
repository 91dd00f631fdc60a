import { serve, type ServerType } from '@hono/node-server'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../http/create-app.ts'
import { createLogger } from '../logger.ts'
import { testTokens } from '../testing/tokens.ts'
import { createGateway, type GatewayOptions, type GatewayTargets } from './gateway.ts'

/** A service, `things`, that answers with the request id it was given. */
const things = () =>
  createApp(
    {
      logger: createLogger('silent'),
      newId: () => 'service-id',
      http: { maxBodyBytes: 1024 },
      tokens: testTokens(),
    },
    { 'GET /api/things': ['anyone'], 'POST /api/things': ['anyone'] },
  )
    .get('/api/things', (c) => c.json({ requestId: c.get('requestId') }))
    .post('/api/things', (c) => c.json({}, 201))

/** A gateway in front of `things`, reached in-process unless another `fetch` is given. */
function gateway(
  options: GatewayOptions = {},
  fetch: GatewayTargets['services'][number]['fetch'] = things().fetch,
) {
  let id = 0
  return createGateway(
    {
      services: [{ name: 'things', fetch, endpoints: async () => ['GET /api/things'] }],
      health: async () => ({ ok: true, redis: 'ok', services: {} }),
    },
    { newId: () => `gateway-${++id}`, logger: createLogger('silent'), ...options },
  )
}

const isProblem = async (response: Response, status: number) => {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toBe('application/problem+json')
  const body = await response.json()
  expect(body).toMatchObject({ type: 'about:blank', status })
  return body
}

describe('the gateway', () => {
  it.each(['/nope', '/favicon.ico', '/'])(
    'answers %s, which no route has, with 404 problem+json',
    async (path) => {
      expect(await isProblem(await gateway().request(path), 404)).toMatchObject({ instance: path })
    },
  )

  it('answers a service that does not run here with 404 problem+json', async () => {
    expect(await isProblem(await gateway().request('/api/parts/p-1'), 404)).toMatchObject({
      title: 'Service parts does not run here',
    })
  })

  it.each(['/health', '/api'])(
    'answers POST %s with 405 problem+json allowing GET and HEAD',
    async (path) => {
      const response = await gateway().request(path, { method: 'POST' })
      expect(response.headers.get('allow')).toBe('GET, HEAD')
      await isProblem(response, 405)
    },
  )

  it("passes a wrong method under /api on to the service, whose 405 names the service's methods", async () => {
    const response = await gateway().request('/api/things', { method: 'DELETE' })
    expect(response.headers.get('allow')).toBe('GET, HEAD, POST')
    await isProblem(response, 405)
  })

  it('gives every response of its own an x-request-id', async () => {
    const app = gateway()
    for (const [path, init] of [['/health'], ['/api'], ['/nope'], ['/health', { method: 'PUT' }]] as const) {
      expect((await app.request(path, init)).headers.get('x-request-id')).toMatch(/^gateway-\d+$/)
    }
  })

  it('hands a request for a service over as it came, and answers with what the service answered', async () => {
    const response = await gateway().request('/api/things')
    // The service's own request id, which it logged: the gateway made none.
    expect(response.headers.get('x-request-id')).toBe('service-id')
    expect(await response.json()).toEqual({ requestId: 'service-id' })
  })

  it("keeps a caller's safe x-request-id end to end and replaces an unsafe one", async () => {
    for (const app of [gateway(), gateway({ corsOrigins: ['https://garage.example'] })]) {
      const kept = await app.request('/api/things', { headers: { 'x-request-id': 'client-42' } })
      expect(kept.headers.get('x-request-id')).toBe('client-42')
      expect(await kept.json()).toEqual({ requestId: 'client-42' })
      const replaced = await app.request('/api/things', { headers: { 'x-request-id': 'not safe' } })
      const { requestId } = (await replaced.json()) as { requestId: string }
      expect(requestId).not.toBe('not safe')
      expect(replaced.headers.get('x-request-id')).toBe(requestId)
    }
  })

  it('answers 500 problem+json, with a request id and the security headers, for a service that throws', async () => {
    const failing = gateway({}, () => Promise.reject(new Error('the binding broke')))
    const response = await failing.request('/api/things', { method: 'POST', body: '{}' })
    await isProblem(response, 500)
    expect(response.headers.get('x-request-id')).toBe('gateway-1')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it.each(['/api', '/health', '/nope', '/api/things'])('puts the security headers on %s', async (path) => {
    const { headers } = await gateway().request(path)
    expect(headers.get('x-content-type-options')).toBe('nosniff')
    expect(headers.get('referrer-policy')).toBe('no-referrer')
    expect(headers.get('x-frame-options')).toBe('DENY')
    expect(headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
  })

  it('serves the API index as HTML under a Content-Security-Policy that allows only its own origin', async () => {
    const response = await gateway().request('/api')
    expect(response.headers.get('content-type')).toContain('text/html')
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
    )
    expect(await response.text()).toContain('<h2>things</h2>')
  })
})

describe('the gateway without CORS_ORIGINS', () => {
  it('gives no origin CORS headers, and leaves a preflight to the routes', async () => {
    const app = gateway()
    const simple = await app.request('/api/things', { headers: { origin: 'https://garage.example' } })
    expect(simple.headers.get('access-control-allow-origin')).toBeNull()
    const preflight = await app.request('/api/things', {
      method: 'OPTIONS',
      headers: { origin: 'https://garage.example', 'access-control-request-method': 'POST' },
    })
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull()
    await isProblem(preflight, 405)
  })
})

describe('the gateway with CORS_ORIGINS', () => {
  const app = gateway({ corsOrigins: ['https://garage.example'] })

  it('hands its request id to the service, so both answer and log the same one', async () => {
    const response = await gateway({ corsOrigins: ['https://garage.example'] }).request('/api/things')
    expect(response.headers.get('x-request-id')).toBe('gateway-1')
    expect(await response.json()).toEqual({ requestId: 'gateway-1' })
  })

  it('lets a listed origin call a service and read the request id', async () => {
    const response = await app.request('/api/things', { headers: { origin: 'https://garage.example' } })
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe('https://garage.example')
    expect(response.headers.get('access-control-expose-headers')).toContain('x-request-id')
  })

  it('answers a preflight from a listed origin itself, with the security headers and a request id', async () => {
    const response = await app.request('/api/things', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://garage.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, idempotency-key',
      },
    })
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('https://garage.example')
    expect(response.headers.get('access-control-allow-methods')).toContain('POST')
    expect(response.headers.get('access-control-allow-headers')?.split(',')).toEqual(
      expect.arrayContaining(['content-type', 'idempotency-key']),
    )
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('x-request-id')).toMatch(/^gateway-/)
  })

  it('gives any other origin no CORS headers', async () => {
    const response = await app.request('/api/things', { headers: { origin: 'https://evil.example' } })
    expect(response.status).toBe(200)
    expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([])
  })
})

describe('the gateway in front of a service whose responses have immutable headers', () => {
  // As a service binding's response on workerd; in Node a fetched response's headers are immutable too.
  let server: ServerType
  let origin: string
  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      server = serve({ fetch: things().fetch, hostname: '127.0.0.1', port: 0 }, () => resolve())
    })
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  const overHttp = (request: Request) =>
    fetch(`${origin}${new URL(request.url).pathname}`, { method: request.method, headers: request.headers })

  it("adds its own headers to a copy and answers with the service's status and request id", async () => {
    // With CORS_ORIGINS, where the gateway adds headers, to a request without an origin: Hono's cors
    // middleware, which would make a copy of its own, adds none.
    const response = await gateway({ corsOrigins: ['https://garage.example'] }, overHttp).request(
      '/api/things',
      { method: 'POST' },
    )
    expect(response.status).toBe(201)
    expect(response.headers.get('x-request-id')).toBe('gateway-1')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('x-frame-options')).toBe('DENY')
  })
})
