import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { describe, expect, it, vi } from 'vitest'
import { InvalidInput, NotFound, RuleViolation, TooManyRequests, Unauthenticated } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { onError, problem } from './problem.ts'

/** An app whose one route throws `error`, with a logger that records what it is asked to log. */
function throwing(error: Error) {
  const logger = { error: vi.fn(), warn: vi.fn() }
  const app = new Hono<{ Variables: { logger: Logger } }>()
    .use(async (c, next) => {
      c.set('logger', logger as unknown as Logger)
      await next()
    })
    .post('/jobs/:id', () => {
      throw error
    })
    .onError(onError)
  return { request: () => app.request('/jobs/j-1', { method: 'POST' }), logger }
}

describe('problem', () => {
  it('answers an RFC 9457 document as application/problem+json, its instance the request path', async () => {
    const app = new Hono().get('/jobs/:id', (c) =>
      problem(
        c,
        { type: 'urn:pitstop:rule:x', title: 'No', status: 409, detail: 'Because' },
        { 'retry-after': '1' },
      ),
    )
    const response = await app.request('/jobs/j-1?verbose=1')
    expect(response.status).toBe(409)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect(response.headers.get('retry-after')).toBe('1')
    expect(await response.json()).toEqual({
      type: 'urn:pitstop:rule:x',
      title: 'No',
      status: 409,
      detail: 'Because',
      instance: '/jobs/j-1',
    })
  })
})

describe('onError', () => {
  it('answers invalid input with 400, type invalid-input, and one entry per bad field', async () => {
    const response = await throwing(
      new InvalidInput([
        { field: '/name', message: 'is required' },
        { field: '/query/limit', message: 'Invalid value' },
      ]),
    ).request()
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      type: 'urn:pitstop:problem:invalid-input',
      title: 'The request is not valid',
      status: 400,
      detail: '/name: is required; /query/limit: Invalid value',
      errors: [
        { field: '/name', message: 'is required' },
        { field: '/query/limit', message: 'Invalid value' },
      ],
      instance: '/jobs/j-1',
    })
  })

  it('answers a rule violation with its status and the rule id in type', async () => {
    const conflict = await throwing(
      new RuleViolation('start-before-end', 'A job must start before it ends'),
    ).request()
    expect(conflict.status).toBe(409)
    expect(await conflict.json()).toEqual({
      type: 'urn:pitstop:rule:start-before-end',
      title: 'A job must start before it ends',
      status: 409,
      instance: '/jobs/j-1',
    })
    const unprocessable = await throwing(
      new RuleViolation('known-customer', 'Unknown customer', 422),
    ).request()
    expect(unprocessable.status).toBe(422)
    expect(await unprocessable.json()).toMatchObject({ type: 'urn:pitstop:rule:known-customer', status: 422 })
  })

  it('answers a missing resource with 404', async () => {
    const response = await throwing(new NotFound('No job j-1')).request()
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({
      type: 'about:blank',
      title: 'No job j-1',
      status: 404,
      instance: '/jobs/j-1',
    })
  })

  it('answers a caller it cannot tell from a stranger with 401, the problem in type, and WWW-Authenticate', async () => {
    const response = await throwing(
      new Unauthenticated('Wrong e-mail or password', 'invalid-credentials'),
    ).request()
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer')
    expect(await response.json()).toEqual({
      type: 'urn:pitstop:problem:invalid-credentials',
      title: 'Wrong e-mail or password',
      status: 401,
      instance: '/jobs/j-1',
    })
    const plain = await throwing(new Unauthenticated('Sign in first')).request()
    expect(await plain.json()).toMatchObject({ type: 'urn:pitstop:problem:unauthenticated' })
  })

  it('answers too many requests with 429 and Retry-After in seconds', async () => {
    const response = await throwing(new TooManyRequests('Too many failed sign-ins', 61)).request()
    expect(response.status).toBe(429)
    expect(response.headers.get('retry-after')).toBe('61')
    expect(await response.json()).toEqual({
      type: 'urn:pitstop:problem:too-many-requests',
      title: 'Too many failed sign-ins',
      status: 429,
      instance: '/jobs/j-1',
    })
  })

  it("answers a client error Hono raised (malformed JSON, say) with that error's status", async () => {
    const response = await throwing(new HTTPException(401, { message: 'Who are you?' })).request()
    expect(response.status).toBe(401)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect(await response.json()).toMatchObject({ type: 'about:blank', title: 'Who are you?', status: 401 })
  })

  it('answers anything else with 500 that says nothing of the cause, and logs the cause', async () => {
    const cause = new Error('SQLITE_CORRUPT at /srv/data/customers.db')
    const { request, logger } = throwing(cause)
    const response = await request()
    expect(response.status).toBe(500)
    const text = await response.text()
    expect(JSON.parse(text)).toEqual({
      type: 'about:blank',
      title: 'Internal server error',
      status: 500,
      instance: '/jobs/j-1',
    })
    expect(text).not.toContain('SQLITE')
    expect(logger.error).toHaveBeenCalledWith({ err: cause }, 'request failed')
  })

  it('answers a server error Hono raised with 500 too', async () => {
    const response = await throwing(new HTTPException(503, { message: 'upstream /srv gone' })).request()
    expect(response.status).toBe(500)
    expect(await response.json()).toMatchObject({
      type: 'about:blank',
      title: 'Internal server error',
      status: 500,
    })
  })
})

describe('onError with a client that went away', () => {
  it('answers 408 and logs a warning, not a server error, when the body stopped arriving', async () => {
    const { request, logger } = throwing(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))
    const response = await request()
    expect(response.status).toBe(408)
    expect(await response.json()).toMatchObject({ type: 'about:blank', status: 408 })
    expect(logger.error).not.toHaveBeenCalled()
    expect(logger.warn).toHaveBeenCalledOnce()
  })

  it('still answers 500 for another error that happens to say aborted', async () => {
    const { request, logger } = throwing(new Error('aborted'))
    expect((await request()).status).toBe(500)
    expect(logger.error).toHaveBeenCalledOnce()
  })
})
