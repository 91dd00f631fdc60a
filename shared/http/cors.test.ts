import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { corsAllowList } from './cors.ts'

const app = new Hono()
  .use(corsAllowList(['https://garage.example', 'http://localhost:5173']))
  .get('/things', (c) => c.json([]))
  .put('/things/:id', (c) => c.body(null, 204))

const corsHeaders = (response: Response) =>
  [...response.headers.keys()].filter((name) => name.startsWith('access-control-'))
const preflight = (origin: string) =>
  app.request('/things/1', {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'content-type',
    },
  })

describe('corsAllowList', () => {
  it('lets a listed origin read a response, and the request id on it', async () => {
    const response = await app.request('/things', { headers: { origin: 'http://localhost:5173' } })
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:5173')
    expect(response.headers.get('access-control-expose-headers')).toContain('x-request-id')
    expect(response.headers.get('vary')).toContain('Origin')
  })

  it('answers a preflight from a listed origin with 204 and what it may send: the methods and headers the services take', async () => {
    const response = await preflight('https://garage.example')
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe('https://garage.example')
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,HEAD,POST,PUT,DELETE')
    expect(response.headers.get('access-control-allow-headers')?.split(',')).toEqual(
      expect.arrayContaining(['content-type', 'idempotency-key']),
    )
    expect(response.headers.get('access-control-max-age')).toBe('600')
  })

  it('gives any other origin no CORS headers at all, but still says the answer varies by Origin', async () => {
    const response = await app.request('/things', { headers: { origin: 'https://evil.example' } })
    expect(response.status).toBe(200)
    expect(corsHeaders(response)).toEqual([])
    expect(response.headers.get('vary')).toContain('Origin')
  })

  it('does not answer a preflight from any other origin: it goes on to the routes', async () => {
    const response = await preflight('https://garage.example.evil.example')
    expect(response.status).toBe(404)
    expect(corsHeaders(response)).toEqual([])
  })

  it('refuses to be built without an origin: no list means CORS off, which is no middleware', () => {
    expect(() => corsAllowList([])).toThrow(/at least one origin/)
  })
})
