import { count } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { outbox } from '../../shared/db/kernel-schema.ts'
import { sampleCustomer, startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { customers } from './schema.ts'

let host: TestHost
beforeAll(async () => {
  host = await startTestHost({ services: ['customers'] })
})
afterAll(() => host.cleanup())

const written = async () => ({
  customers: (await host.db('customers').select({ n: count() }).from(customers))[0]!.n,
  outbox: (await host.db('customers').select({ n: count() }).from(outbox))[0]!.n,
})
const answer = async (res: Response) => ({
  status: res.status,
  location: res.headers.get('location'),
  body: (await res.json()) as Record<string, unknown>,
})
const withoutId = (customerId: string) => {
  const { customerId: _, ...body } = sampleCustomer(customerId)
  return body
}
type Problem = { type: string; status: number; errors?: { field: string }[] }

describe('POST /api/customers with a customerId, repeated', () => {
  it('answers an exact repeat like the first (201, body, Location), without a second event', async () => {
    const first = await answer(await host.post('/api/customers', sampleCustomer('r-ann')))
    const before = await written()

    const repeat = await host.post('/api/customers', sampleCustomer('r-ann'))

    expect(first).toEqual({ status: 201, location: '/api/customers/r-ann', body: sampleCustomer('r-ann') })
    expect(await answer(repeat)).toEqual(first)
    expect(await written()).toEqual(before)
  })

  it('compares the validated body: spaces the contract trims make no other request', async () => {
    await host.post('/api/customers', sampleCustomer('r-bo'))
    const before = await written()

    const repeat = await host.post('/api/customers', { ...sampleCustomer('r-bo'), city: '  Utrecht ' })

    expect(repeat.status).toBe(201)
    expect(await written()).toEqual(before)
  })

  it('refuses the id with other details: 409 customer-id-taken, nothing written', async () => {
    await host.post('/api/customers', sampleCustomer('r-cees'))
    const before = await written()

    const other = await host.post('/api/customers', sampleCustomer('r-cees', 'Someone Else'))

    expect(other.status).toBe(409)
    expect(await other.json()).toMatchObject({ type: 'urn:pitstop:rule:customer-id-taken', status: 409 })
    expect(await written()).toEqual(before)
  })

  it('registers concurrent exact repeats once and answers each like the first', async () => {
    const before = await written()

    const responses = await Promise.all(
      Array.from({ length: 5 }, () => host.post('/api/customers', sampleCustomer('r-dirk'))),
    )

    const answers = await Promise.all(responses.map(answer))
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1)
    expect(answers[0]!.status).toBe(201)
    expect(await written()).toEqual({ customers: before.customers + 1, outbox: before.outbox + 1 })
  })
})

describe('POST /api/customers without a customerId, with an Idempotency-Key', () => {
  it('answers a retry with the same key and body like the first: the same generated id, no duplicate', async () => {
    const first = await answer(
      await host.post('/api/customers', withoutId('k-ann'), { 'idempotency-key': 'ck-1' }),
    )
    const before = await written()

    const retry = await host.post('/api/customers', withoutId('k-ann'), { 'idempotency-key': 'ck-1' })

    expect(first.status).toBe(201)
    expect(await answer(retry)).toEqual(first)
    expect(await written()).toEqual(before)
  })

  it('refuses the key with another body: 409 idempotency-key-reused, nothing written', async () => {
    await host.post('/api/customers', withoutId('k-bo'), { 'idempotency-key': 'ck-2' })
    const before = await written()

    const other = await host.post('/api/customers', withoutId('k-other'), { 'idempotency-key': 'ck-2' })

    expect(other.status).toBe(409)
    expect(await other.json()).toMatchObject({ type: 'urn:pitstop:rule:idempotency-key-reused', status: 409 })
    expect(await written()).toEqual(before)
  })

  it('registers concurrent retries with one key once', async () => {
    const before = await written()

    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        host.post('/api/customers', withoutId('k-cees'), { 'idempotency-key': 'ck-3' }),
      ),
    )

    const answers = await Promise.all(responses.map(answer))
    expect(new Set(answers.map((a) => a.body.customerId)).size).toBe(1)
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201])
    expect(await written()).toEqual({ customers: before.customers + 1, outbox: before.outbox + 1 })
  })

  it('refuses a malformed key with 400 naming the header, writing nothing', async () => {
    const before = await written()

    const res = await host.post('/api/customers', withoutId('k-dirk'), { 'idempotency-key': 'x'.repeat(200) })

    expect(res.status).toBe(400)
    const problem = (await res.json()) as Problem
    expect(problem.type).toBe('urn:pitstop:problem:invalid-input')
    expect(problem.errors!.map((e) => e.field)).toEqual(['/header/idempotency-key'])
    expect(await written()).toEqual(before)
  })

  it('registers a new customer for each request without a key', async () => {
    const before = await written()

    await host.post('/api/customers', withoutId('k-eva'))
    await host.post('/api/customers', withoutId('k-eva'))

    expect(await written()).toEqual({ customers: before.customers + 2, outbox: before.outbox + 2 })
  })
})
