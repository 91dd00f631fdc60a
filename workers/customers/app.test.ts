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

const rows = async () => ({
  customers: (await host.db('customers').select({ n: count() }).from(customers))[0]!.n,
  outbox: (await host.db('customers').select({ n: count() }).from(outbox))[0]!.n,
})

describe('POST /api/customers', () => {
  it('registers a customer, answers 201 with it and records CustomerRegistered in the outbox', async () => {
    const res = await host.post('/api/customers', sampleCustomer('ann'), { 'x-correlation-id': 'corr-1' })
    expect(res.status).toBe(201)
    expect(res.headers.get('location')).toBe('/api/customers/ann')
    expect(await res.json()).toEqual(sampleCustomer('ann'))
    const [event] = await host.db('customers').select().from(outbox)
    const envelope = JSON.parse(event!.envelope)
    expect(envelope).toMatchObject({ type: 'CustomerRegistered', stream: 'ann', position: 1, version: 1 })
    expect(envelope.correlationId).toBe('corr-1')
    expect(envelope.data).toEqual(sampleCustomer('ann'))
  })

  it('generates an id when none is given', async () => {
    const { customerId: _, ...body } = sampleCustomer('x')
    const res = await host.post('/api/customers', body)
    expect(res.status).toBe(201)
    const created = (await res.json()) as { customerId: string }
    expect(created.customerId).toMatch(/^[0-9a-f-]{36}$/)
    expect((await host.get(`/api/customers/${created.customerId}`)).status).toBe(200)
  })

  it('answers a repeated registration with the same id and body like the first, without a second event', async () => {
    await host.post('/api/customers', sampleCustomer('bob'))
    const before = await rows()
    const again = await host.post('/api/customers', sampleCustomer('bob'))
    expect(again.status).toBe(201)
    expect(await again.json()).toEqual(sampleCustomer('bob'))
    expect(await rows()).toEqual(before)
  })

  it('refuses an existing id with a different body (409 customer-id-taken)', async () => {
    await host.post('/api/customers', sampleCustomer('cees'))
    const res = await host.post('/api/customers', sampleCustomer('cees', 'Someone Else'))
    expect(res.status).toBe(409)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(((await res.json()) as { type: string }).type).toBe('urn:pitstop:rule:customer-id-taken')
  })

  it('registers concurrent identical requests once', async () => {
    const before = await rows()
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => host.post('/api/customers', sampleCustomer('dirk'))),
    )
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201])
    expect(await rows()).toEqual({ customers: before.customers + 1, outbox: before.outbox + 1 })
  })

  it.each([
    ['a missing name', { ...sampleCustomer('e1'), name: undefined }, '/name'],
    ['an empty city', { ...sampleCustomer('e2'), city: '  ' }, '/city'],
    ['an invalid email address', { ...sampleCustomer('e3'), emailAddress: 'not-an-email' }, '/emailAddress'],
    [
      'a telephone number with letters',
      { ...sampleCustomer('e4'), telephoneNumber: 'call me' },
      '/telephoneNumber',
    ],
    ['an id with spaces', { ...sampleCustomer('e5'), customerId: 'a b' }, '/customerId'],
    ['a name that is a number', { ...sampleCustomer('e6'), name: 42 }, '/name'],
    ['a name with a bell character', { ...sampleCustomer('e7'), name: 'Ann\u0007' }, '/name'],
    ['a city with a C1 control character', { ...sampleCustomer('e8'), city: 'Utrecht\u0085' }, '/city'],
    ['an address of two lines', { ...sampleCustomer('e9'), address: 'Main 1\nUtrecht' }, '/address'],
    // Stored as U+FFFD, it no longer matched what was sent, and an exact retry got 409.
    ['a name with a lone surrogate', { ...sampleCustomer('e10'), name: 'Ann \ud83d' }, '/name'],
  ])('refuses %s with 400 naming the field, and writes nothing', async (_, body, field) => {
    const before = await rows()
    const res = await host.post('/api/customers', body)
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    const problem = (await res.json()) as { type: string; errors: { field: string }[] }
    expect(problem.type).toBe('urn:pitstop:problem:invalid-input')
    expect(problem.errors.map((e) => e.field)).toEqual([field])
    expect(await rows()).toEqual(before)
  })

  it('stores a name in NFC, however its accents were typed', async () => {
    const res = await host.post('/api/customers', sampleCustomer('nfc', 'Zoe\u0308 Nu\u0301n\u0303ez'))
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ name: 'Zo\u00eb N\u00fa\u00f1ez' })
    expect(await (await host.get('/api/customers/nfc')).json()).toMatchObject({
      name: 'Zo\u00eb N\u00fa\u00f1ez',
    })
  })

  it('refuses a body that is not JSON with 400 problem+json, and writes nothing', async () => {
    const before = await rows()
    const res = await host.post('/api/customers', '{"name": ')
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(await rows()).toEqual(before)
  })
})

describe('GET /api/customers', () => {
  it('lists registered customers, paginated', async () => {
    await host.post('/api/customers', sampleCustomer('list-1', 'Zed One'))
    await host.post('/api/customers', sampleCustomer('list-2', 'Zed Two'))
    const all = (await (await host.get('/api/customers?limit=1000')).json()) as { customerId: string }[]
    expect(all.map((c) => c.customerId)).toEqual(expect.arrayContaining(['list-1', 'list-2']))
    const page = (await (
      await host.get(`/api/customers?limit=1&offset=${all.length - 1}`)
    ).json()) as unknown[]
    expect(page).toEqual([all.at(-1)])
  })

  it('refuses a limit that is not a positive number with 400', async () => {
    for (const query of ['limit=0', 'limit=abc', 'offset=-1']) {
      const res = await host.get(`/api/customers?${query}`)
      expect(res.status, query).toBe(400)
    }
  })

  it('returns one customer by id', async () => {
    await host.post('/api/customers', sampleCustomer('fien'))
    const res = await host.get('/api/customers/fien')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual(sampleCustomer('fien'))
  })

  it('answers 404 problem+json for an unknown customer', async () => {
    const res = await host.get('/api/customers/nobody')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
  })

  it('refuses a malformed id with 400', async () => {
    expect((await host.get('/api/customers/bad%20id')).status).toBe(400)
  })
})

describe('GET /api/customers?search=', () => {
  // The same word, in other cases, in one customer's name, another's city and a third's e-mail address.
  const byName = { ...sampleCustomer('find-name', 'Wilhelmina Kronkel'), city: 'Zwolle' }
  const byCity = { ...sampleCustomer('find-city', 'Bram Bos'), city: 'KRONKELDORP' }
  const byEmail = { ...sampleCustomer('find-mail', 'Els Eend'), emailAddress: 'kronkel.fan@mail.test' }
  const neither = { ...sampleCustomer('find-none', 'Karel Kraan'), city: 'Kampen' }
  // Names holding the characters LIKE gives a meaning, each beside one those meanings would also match.
  const literal = {
    percent: sampleCustomer('find-pct', 'Garage 50% Korting'),
    percentLookalike: sampleCustomer('find-pct-not', 'Garage 50 Korting'),
    underscore: sampleCustomer('find-us', 'Snake_Case Motors'),
    underscoreLookalike: sampleCustomer('find-us-not', 'SnakeXCase Motors'),
    backslash: sampleCustomer('find-bs', 'Slash\\Dash Autos'),
    backslashLookalike: sampleCustomer('find-bs-not', 'SlashDash Autos'),
  }
  beforeAll(async () => {
    for (const customer of [byName, byCity, byEmail, neither, ...Object.values(literal)])
      expect((await host.post('/api/customers', customer)).status).toBe(201)
  })

  const search = async (text: string, page = '') => {
    const res = await host.get(`/api/customers?search=${encodeURIComponent(text)}${page}`)
    expect(res.status).toBe(200)
    return ((await res.json()) as { customerId: string }[]).map((c) => c.customerId)
  }

  it('finds customers by name, city or e-mail address, in any case, ordered by name', async () => {
    expect(await search('kRONKEL')).toEqual(['find-city', 'find-mail', 'find-name'])
  })

  it.each([
    ['name', 'wilhelmina', 'find-name'],
    ['city', 'dorp', 'find-city'],
    ['e-mail address', 'FAN@MAIL', 'find-mail'],
  ])('finds a customer by a part of their %s alone', async (_, text, customerId) => {
    expect(await search(text)).toEqual([customerId])
  })

  it('ignores spaces around the text', async () => {
    expect(await search('  Kronkeldorp ')).toEqual(['find-city'])
  })

  it.each([
    ['%', '50%', 'find-pct'],
    ['_', 'e_c', 'find-us'],
    ['\\', 'h\\d', 'find-bs'],
  ])('matches %s only as itself', async (_, text, customerId) => {
    expect(await search(text)).toEqual([customerId])
  })

  it('answers an empty list when nobody matches', async () => {
    expect(await search('qxzqxz')).toEqual([])
  })

  it('pages through the matches', async () => {
    expect(await search('kronkel', '&limit=1&offset=1')).toEqual(['find-mail'])
    expect(await search('kronkel', '&limit=2&offset=2')).toEqual(['find-name'])
    expect(await search('kronkel', '&offset=3')).toEqual([])
  })

  it('takes a text of 100 characters', async () => {
    expect(await search('k'.repeat(100))).toEqual([])
  })

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['over 100 characters', 'k'.repeat(101)],
    ['with a control character', 'Kron\u0007kel'],
    ['of two lines', 'Kron\nkel'],
  ])('refuses a text %s with 400 naming /query/search alone', async (_, text) => {
    const res = await host.get(`/api/customers?search=${encodeURIComponent(text)}`)
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    const problem = (await res.json()) as { type: string; errors: { field: string }[] }
    expect(problem.type).toBe('urn:pitstop:problem:invalid-input')
    expect(problem.errors.map((e) => e.field)).toEqual(['/query/search'])
  })
})

describe('bodies and lists at the edge of what is taken', () => {
  it('refuses a body over MAX_BODY_BYTES with 413 problem+json, and writes nothing', async () => {
    const before = await rows()
    const res = await host.post('/api/customers', { ...sampleCustomer('big'), name: 'x'.repeat(2_000_000) })
    expect(res.status).toBe(413)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    expect(await rows()).toEqual(before)
  })

  it('takes a body just under the limit as any other', async () => {
    const res = await host.post('/api/customers', { ...sampleCustomer('long'), address: 'x'.repeat(200) })
    expect(res.status).toBe(201)
  })

  it('refuses a JSON body sent as text/plain with 415, and writes nothing', async () => {
    const before = await rows()
    const res = await host.post('/api/customers', sampleCustomer('plain'), { 'content-type': 'text/plain' })
    expect(res.status).toBe(415)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
    expect(await rows()).toEqual(before)
    expect(
      (
        await host.post('/api/customers', sampleCustomer('typed'), {
          'content-type': 'application/json; charset=utf-8',
        })
      ).status,
    ).toBe(201)
  })

  it('says so when a JSON array comes where an object belongs', async () => {
    const res = await host.post('/api/customers', [sampleCustomer('in-array')])
    expect(res.status).toBe(400)
    const body = JSON.stringify(await res.json())
    expect(body).toMatch(/must be a JSON object, not an array/)
  })

  it('refuses an offset no number can count exactly with 400, and takes the largest that can', async () => {
    expect((await host.get('/api/customers?offset=1e20')).status).toBe(400)
    expect((await host.get(`/api/customers?offset=${2 ** 63}`)).status).toBe(400)
    expect((await host.get(`/api/customers?offset=${Number.MAX_SAFE_INTEGER}`)).status).toBe(200)
  })
})
