import { Writable } from 'node:stream'
import { Hono } from 'hono'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import type { AppEnv } from './app-env.ts'
import { eventMetadata, requestContext } from './request-context.ts'
import { requestId } from './request-id.ts'

/** An app that answers with the ids the middleware settled on, and the log lines it wrote. */
function idApp() {
  const lines: Record<string, unknown>[] = []
  const logger = pino(
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)))
        done()
      },
    }),
  )
  const app = new Hono<AppEnv>()
    .use(requestContext({ logger, newId: () => 'generated' }))
    .get('/ids', (c) => c.json(eventMetadata(c)))
    .get('/warns', (c) => {
      const requestLogger = c.get('logger')
      requestLogger.warn({ part: 'p-1' }, 'low on stock')
      requestLogger.child({ step: 2 }).error('and out')
      return c.body(null, 204)
    })
  return { app, lines }
}

const kept = ['abc-123', '0190f3c2-7a4e-7cc1-9d1e-2a6f8e0b4c11', 'svc.gateway:42_a', 'x'.repeat(128)]
const replaced = ['', 'x'.repeat(129), 'two words', 'a/b', '<script>', 'id;drop', 'ünïcode', '{"json":1}']

describe('requestContext', () => {
  it.each(kept)('keeps a safe x-request-id the caller sent and echoes it: %s', async (id) => {
    const response = await idApp().app.request('/ids', { headers: { 'x-request-id': id } })
    expect(response.headers.get('x-request-id')).toBe(id)
    expect(await response.json()).toMatchObject({ causationId: id, correlationId: id })
  })

  it.each(replaced)(
    'replaces an x-request-id that is empty, too long or has other characters: %j',
    async (id) => {
      const response = await idApp().app.request('/ids', { headers: { 'x-request-id': id } })
      expect(response.headers.get('x-request-id')).toBe('generated')
    },
  )

  it('gives a request without an id a new one', async () => {
    const response = await idApp().app.request('/ids')
    expect(response.headers.get('x-request-id')).toBe('generated')
  })

  it('takes the correlation id from x-correlation-id when it is safe, else from the request id', async () => {
    const { app } = idApp()
    const given = await app.request('/ids', { headers: { 'x-correlation-id': 'saga-7' } })
    expect(given.headers.get('x-correlation-id')).toBe('saga-7')
    expect(await given.json()).toEqual({
      correlationId: 'saga-7',
      causationId: 'generated',
      actor: 'anonymous',
    })
    const unsafe = await app.request('/ids', { headers: { 'x-correlation-id': 'no way' } })
    expect(unsafe.headers.get('x-correlation-id')).toBe('generated')
  })

  it('logs one line per request with its ids, method, path and status', async () => {
    const { app, lines } = idApp()
    await app.request('/ids', { headers: { 'x-request-id': 'r-1' } })
    await app.request('/nope', { headers: { 'x-request-id': 'r-2' } })
    expect(lines).toMatchObject([
      { msg: 'request', requestId: 'r-1', correlationId: 'r-1', method: 'GET', path: '/ids', status: 200 },
      { msg: 'request', requestId: 'r-2', method: 'GET', path: '/nope', status: 404 },
    ])
  })

  it("gives the handler a logger whose lines carry the request's ids", async () => {
    const { app, lines } = idApp()
    await app.request('/warns', { headers: { 'x-request-id': 'r-3', 'x-correlation-id': 'saga-3' } })
    expect(lines).toMatchObject([
      { msg: 'low on stock', requestId: 'r-3', correlationId: 'saga-3', part: 'p-1', level: 40 },
      { msg: 'and out', requestId: 'r-3', correlationId: 'saga-3', step: 2, level: 50 },
      { msg: 'request', requestId: 'r-3', correlationId: 'saga-3', status: 204 },
    ])
  })
})

describe('requestId', () => {
  const app = new Hono<{ Variables: { requestId: string } }>()
    .use(requestId({ newId: () => 'generated' }))
    .get('/id', (c) => c.text(c.get('requestId')))

  it.each(kept)('keeps a safe x-request-id the caller sent: %s', async (id) => {
    const response = await app.request('/id', { headers: { 'x-request-id': id } })
    expect(response.headers.get('x-request-id')).toBe(id)
    expect(await response.text()).toBe(id)
  })

  it.each(replaced)('replaces one that is not safe with a new one: %j', async (id) => {
    const response = await app.request('/id', { headers: { 'x-request-id': id } })
    expect(response.headers.get('x-request-id')).toBe('generated')
    expect(await response.text()).toBe('generated')
  })

  it('puts the id on responses that no route answered too', async () => {
    expect((await app.request('/nope')).headers.get('x-request-id')).toBe('generated')
  })
})
