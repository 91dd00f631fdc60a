import * as v from 'valibot'
import { afterAll, describe, expect, it } from 'vitest'
import { NotFound } from '../errors.ts'
import { createLogger } from '../logger.ts'
import { testTokens } from '../testing/tokens.ts'
import { createApp } from './create-app.ts'
import { validate } from './validate.ts'

const Thing = v.object({ name: v.string() })
const tokens = testTokens()
afterAll(() => tokens.close())
/** A path no route has needs credentials too; signed in, its 404 is the app's. */
const signedIn = {
  headers: {
    authorization: `Bearer ${(await tokens.issue({ role: 'mechanic', email: 'm@example.com' }, 60_000, 's-1')).token}`,
  },
}

/** A service-shaped app: one collection, one item, bodies of at most 64 bytes. */
function thingsApp() {
  let written = 0
  let id = 0
  const app = createApp(
    {
      logger: createLogger('silent'),
      newId: () => `generated-${++id}`,
      http: { maxBodyBytes: 64 },
      tokens,
    },
    {
      'GET /things/{id}': ['anyone'],
      'DELETE /things/{id}': ['anyone'],
      'POST /things': ['anyone'],
      'GET /boom': ['anyone'],
    },
  )
    .get('/things/:id', (c) => {
      if (c.req.param('id') === 'missing') throw new NotFound('No thing missing')
      return c.json({ id: c.req.param('id') })
    })
    .delete('/things/:id', (c) => c.body(null, 204))
    .post('/things', validate('json', Thing), (c) => {
      written++
      return c.json(c.req.valid('json'), 201)
    })
    .get('/boom', () => {
      throw new Error('database password is hunter2')
    })
  return { app, written: () => written }
}

// As a client on the wire sends them: `app.request` does not add a Content-Length by itself.
const post = (body: string, type: string) => ({
  method: 'POST',
  headers: { 'content-type': type, 'content-length': String(new TextEncoder().encode(body).length) },
  body,
})
const postJson = (body: string) => post(body, 'application/json')

describe('a path no route has', () => {
  it('is answered 404 problem+json naming the method and path', async () => {
    const response = await thingsApp().app.request('/nope', signedIn)
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect(await response.json()).toEqual({
      type: 'about:blank',
      title: 'No route for GET /nope',
      status: 404,
      instance: '/nope',
    })
  })
})

describe('a path asked with a method it does not take', () => {
  it('is answered 405 problem+json with an Allow header listing the methods the path takes', async () => {
    const response = await thingsApp().app.request('/things/1', { method: 'PUT' })
    expect(response.status).toBe(405)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect(response.headers.get('allow')?.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD'])
    expect(await response.json()).toEqual({
      type: 'about:blank',
      title: 'PUT is not allowed on /things/1',
      status: 405,
      instance: '/things/1',
    })
  })

  it('lists only the methods of the path asked, not those of its neighbours', async () => {
    const response = await thingsApp().app.request('/things', { method: 'DELETE' })
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('POST')
  })

  it('is not confused with a resource that does not exist: that stays 404', async () => {
    const response = await thingsApp().app.request('/things/missing')
    expect(response.status).toBe(404)
    expect(response.headers.get('allow')).toBeNull()
    expect(await response.json()).toMatchObject({
      type: 'about:blank',
      status: 404,
      title: 'No thing missing',
    })
  })
})

describe('a request body', () => {
  it('over maxBodyBytes is refused with 413 problem+json before the handler runs, and the connection closes', async () => {
    const things = thingsApp()
    const response = await things.app.request('/things', postJson(JSON.stringify({ name: 'x'.repeat(100) })))
    expect(response.status).toBe(413)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect(response.headers.get('connection')).toBe('close')
    expect(await response.json()).toMatchObject({
      type: 'about:blank',
      status: 413,
      title: 'The request body is larger than 64 bytes',
    })
    expect(things.written()).toBe(0)
  })

  it('over maxBodyBytes without any length (a stream, as over HTTP/2) is refused with 413 as it streams in', async () => {
    const things = thingsApp()
    const chunks = [JSON.stringify({ name: 'x'.repeat(100) })]
    const body = new ReadableStream({
      pull(controller) {
        const chunk = chunks.shift()
        if (chunk === undefined) controller.close()
        else controller.enqueue(new TextEncoder().encode(chunk))
      },
    })
    const response = await things.app.request('/things', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit)
    expect(response.status).toBe(413)
    expect(things.written()).toBe(0)
  })

  it.each(['abc', '-1', '1,99999', '1e3'])(
    'with a Content-Length that is no number of bytes (%j) is refused with 400, unread',
    async (length) => {
      const things = thingsApp()
      const response = await things.app.request('/things', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': length },
        body: JSON.stringify({ name: 'x'.repeat(100) }),
      })
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({ type: 'about:blank', status: 400 })
      expect(things.written()).toBe(0)
    },
  )

  it('not sent as JSON is refused with 415 problem+json, even when it is JSON', async () => {
    const things = thingsApp()
    const response = await things.app.request('/things', post(JSON.stringify({ name: 'x' }), 'text/plain'))
    expect(response.status).toBe(415)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect(await response.json()).toMatchObject({ type: 'about:blank', status: 415 })
    expect(things.written()).toBe(0)
  })

  it('sent as JSON, with a charset or as a +json type, is taken', async () => {
    const things = thingsApp()
    for (const type of ['application/json; charset=utf-8', 'application/merge-patch+json']) {
      const response = await things.app.request('/things', post('{"name":"x"}', type))
      expect(response.status).toBe(201)
    }
    expect(things.written()).toBe(2)
  })
})

describe('an unexpected error', () => {
  it('is answered 500 problem+json that does not leak its message', async () => {
    const response = await thingsApp().app.request('/boom')
    expect(response.status).toBe(500)
    const text = await response.text()
    expect(JSON.parse(text)).toEqual({
      type: 'about:blank',
      title: 'Internal server error',
      status: 500,
      instance: '/boom',
    })
    expect(text).not.toContain('hunter2')
  })
})

describe('every response', () => {
  const requests: [number, string, RequestInit?][] = [
    [200, '/things/1'],
    [401, '/nope'],
    [404, '/nope', signedIn],
    [405, '/things/1', { method: 'PATCH' }],
    [413, '/things', postJson(JSON.stringify({ name: 'x'.repeat(100) }))],
    [415, '/things', post('x', 'text/plain')],
    [500, '/boom'],
  ]

  it.each(requests)('carries an x-request-id: a %i', async (status, path, init) => {
    const response = await thingsApp().app.request(path, init)
    expect(response.status).toBe(status)
    expect(response.headers.get('x-request-id')).toBe('generated-1')
  })

  it.each(requests)('carries the security headers: a %i', async (status, path, init) => {
    const response = await thingsApp().app.request(path, init)
    expect(response.status).toBe(status)
    const { headers } = response
    expect(headers.get('x-content-type-options')).toBe('nosniff')
    expect(headers.get('referrer-policy')).toBe('no-referrer')
    expect(headers.get('x-frame-options')).toBe('DENY')
    expect(headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(headers.get('content-security-policy')).toContain("default-src 'self'")
  })

  it('has no CORS headers: a service leaves CORS to the gateway in front of it', async () => {
    const response = await thingsApp().app.request('/things/1', { headers: { origin: 'https://a.example' } })
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })
})
