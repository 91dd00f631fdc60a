import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { Pagination } from './pagination.ts'
import { onError } from './problem.ts'
import { validate } from './validate.ts'

const app = new Hono()
  .get('/items', validate('query', Pagination), (c) => c.json(c.req.valid('query')))
  .onError(onError)

describe('Pagination', () => {
  it('takes 100 rows from the start when the query says nothing', async () => {
    expect(await (await app.request('/items')).json()).toEqual({ limit: 100, offset: 0 })
  })

  it('takes limits from 1 to 1000 and offsets up to the largest exact integer', async () => {
    const response = await app.request(`/items?limit=1000&offset=${Number.MAX_SAFE_INTEGER}`)
    expect(await response.json()).toEqual({ limit: 1000, offset: Number.MAX_SAFE_INTEGER })
  })

  it.each([
    ['limit=0', '/query/limit'],
    ['limit=1001', '/query/limit'],
    ['limit=2.5', '/query/limit'],
    ['limit=ten', '/query/limit'],
    ['offset=-1', '/query/offset'],
    ['offset=1e20', '/query/offset'],
    [`offset=${2n ** 63n}`, '/query/offset'],
    ['offset=0x10', '/query/offset'],
    ['offset=', '/query/offset'],
    ['limit=1e3', '/query/limit'],
    ['limit=%2010', '/query/limit'],
  ])('refuses %s with 400 naming %s', async (query, field) => {
    const response = await app.request(`/items?${query}`)
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({
      type: 'urn:pitstop:problem:invalid-input',
      status: 400,
      errors: [{ field }],
    })
  })
})
