import { Hono } from 'hono'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { onError } from './problem.ts'
import { validate } from './validate.ts'

const Booking = v.object({
  name: v.pipe(v.string(), v.nonEmpty('must not be empty')),
  seats: v.pipe(v.number(), v.integer('must be a whole number'), v.minValue(1, 'must be at least 1')),
  address: v.object({ city: v.string() }),
})

let handled = 0
const app = new Hono()
  .post(
    '/days/:date/bookings',
    validate('param', v.object({ date: v.pipe(v.string(), v.isoDate()) })),
    validate('json', Booking),
    (c) => {
      handled++
      return c.json(c.req.valid('json'), 201)
    },
  )
  .get(
    '/bookings',
    validate('query', v.object({ limit: v.optional(v.pipe(v.string(), v.digits('must be digits'))) })),
    (c) => c.json(c.req.valid('query')),
  )
  .onError(onError)

const post = (body: string, date = '2026-12-01') =>
  app.request(`/days/${date}/bookings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  })
const problemOf = async (response: Response) => {
  expect(response.status).toBe(400)
  expect(response.headers.get('content-type')).toBe('application/problem+json')
  return (await response.json()) as {
    type: string
    status: number
    errors: { field: string; message: string }[]
  }
}
const good = { name: 'Ada', seats: 2, address: { city: 'Delft' } }

describe('validate', () => {
  it('lets a valid request through to the handler, with its parsed value', async () => {
    const response = await post(JSON.stringify(good))
    expect(response.status).toBe(201)
    expect(await response.json()).toEqual(good)
  })

  it('names each bad field of a body by its JSON pointer, with what is wrong with it', async () => {
    const before = handled
    const problem = await problemOf(
      await post(JSON.stringify({ name: '', seats: 1.5, address: { city: 7 } })),
    )
    expect(problem).toMatchObject({ type: 'urn:pitstop:problem:invalid-input', status: 400 })
    expect(problem.errors).toEqual([
      { field: '/name', message: 'must not be empty' },
      { field: '/seats', message: 'must be a whole number' },
      { field: '/address/city', message: expect.stringContaining('Invalid type') },
    ])
    expect(handled).toBe(before)
  })

  it('says a missing field is required', async () => {
    const problem = await problemOf(await post(JSON.stringify({ name: 'Ada' })))
    expect(problem.errors).toEqual([
      { field: '/seats', message: 'is required' },
      { field: '/address', message: 'is required' },
    ])
  })

  it('gives one message per field: the first check that fails', async () => {
    const problem = await problemOf(await post(JSON.stringify({ ...good, seats: -1.5 })))
    expect(problem.errors).toEqual([{ field: '/seats', message: 'must be a whole number' }])
  })

  it.each([
    ['[]', 'must be a JSON object, not an array'],
    ['null', 'must be a JSON object, not null'],
    ['42', 'must be a JSON object, not a number'],
    ['"text"', 'must be a JSON object, not a string'],
  ])('refuses the body %s where an object belongs, saying what it got', async (body, message) => {
    const problem = await problemOf(await post(body))
    expect(problem.errors).toEqual([{ field: '/', message }])
  })

  it('refuses a body that is not JSON at all with 400 problem+json', async () => {
    const response = await post('{"name": ')
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect(await response.json()).toMatchObject({ type: 'about:blank', status: 400 })
  })

  it('names a bad path parameter under /param and a bad query parameter under /query', async () => {
    const param = await problemOf(await post(JSON.stringify(good), '2026-13-01'))
    expect(param.errors).toEqual([{ field: '/param/date', message: expect.any(String) }])
    const query = await problemOf(await app.request('/bookings?limit=ten'))
    expect(query.errors).toEqual([{ field: '/query/limit', message: 'must be digits' }])
  })
})
