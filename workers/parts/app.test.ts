import { count } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Clock } from '../../shared/clock.ts'
import type { Envelope } from '../../shared/contracts/index.ts'
import { kernelRequests, outbox } from '../../shared/db/kernel-schema.ts'
import { startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { lots, parts } from './schema.ts'

// The catalogue over real HTTP, on the parts service's own database. Lots are dated by the host's clock,
// which these tests set by hand.
let now = Date.parse('2026-12-01T08:00:00.000Z')
const clock: Clock = { now: () => new Date(now) }

let host: TestHost
beforeAll(async () => {
  host = await startTestHost({ services: ['parts'] }, { clock })
})
afterAll(() => host.cleanup())

type Problem = { type: string; status: number; errors?: { field: string }[] }
type Lot = { lotId: string; partNumber: string; quantity: number; receivedAt: string }

const written = async () => ({
  parts: (await host.db('parts').select({ n: count() }).from(parts))[0]!.n,
  lots: (await host.db('parts').select({ n: count() }).from(lots))[0]!.n,
  outbox: (await host.db('parts').select({ n: count() }).from(outbox))[0]!.n,
  answers: (await host.db('parts').select({ n: count() }).from(kernelRequests))[0]!.n,
})
const answer = async (res: Response) => ({
  status: res.status,
  location: res.headers.get('location'),
  body: (await res.json()) as Record<string, unknown>,
})
const lastEvent = async () => {
  const rows = await host.db('parts').select().from(outbox)
  return JSON.parse(rows.at(-1)!.envelope) as Envelope
}
const part = (partNumber: string, overrides: Record<string, unknown> = {}) => ({
  partNumber,
  name: 'Brake pads, front',
  unitPrice: '12.50',
  ...overrides,
})
const register = (partNumber: string, overrides: Record<string, unknown> = {}) =>
  host.post('/api/parts', part(partNumber, overrides))
const receive = (partNumber: string, quantity: unknown, headers: Record<string, string> = {}) =>
  host.post(`/api/parts/${partNumber}/lots`, { quantity }, headers)

async function expectInvalid(res: Response, field: string) {
  expect(res.status).toBe(400)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  const problem = (await res.json()) as Problem
  expect(problem.type).toBe('urn:pitstop:problem:invalid-input')
  expect(problem.errors!.map((e) => e.field)).toEqual([field])
}

describe('POST /api/parts', () => {
  it('registers a part, answers 201 with it and records PartRegistered with the price in cents', async () => {
    const res = await register('BP-1044', { unitPrice: 12.5 })

    expect(await answer(res)).toEqual({
      status: 201,
      location: '/api/parts/BP-1044',
      body: {
        partNumber: 'BP-1044',
        name: 'Brake pads, front',
        unitPrice: '12.50',
        onHand: 0,
        reserved: 0,
        available: 0,
        lots: [],
      },
    })
    expect(await lastEvent()).toMatchObject({
      type: 'PartRegistered',
      stream: 'BP-1044',
      position: 1,
      actor: 'staff:manager@pitstop.local',
      data: { partNumber: 'BP-1044', name: 'Brake pads, front', unitPriceCents: 1250 },
    })
    expect(await (await host.get('/api/parts/BP-1044')).json()).toEqual(
      (await answer(await register('BP-1044'))).body,
    )
  })

  it('keeps part numbers upper-cased, and finds them however they are written', async () => {
    expect((await register(' of-2210 ')).status).toBe(201)
    expect(await (await host.get('/api/parts/of-2210')).json()).toMatchObject({ partNumber: 'OF-2210' })
  })

  it('answers an exact repeat like the first (201, body, Location), without a second event', async () => {
    const first = await answer(await register('RP-1', { unitPrice: '7' }))
    const before = await written()

    // The same price written another way is the same request.
    const repeat = await answer(await register('rp-1', { unitPrice: 7.0 }))

    expect(first.status).toBe(201)
    expect(repeat).toEqual(first)
    expect(await written()).toEqual(before)
  })

  it('refuses the part number with another body: 409 part-number-unique, nothing written', async () => {
    await register('RP-2')
    const before = await written()

    for (const other of [{ name: 'Brake pads, rear' }, { unitPrice: '12.51' }]) {
      const res = await register('RP-2', other)
      expect(res.status).toBe(409)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
      expect(await res.json()).toMatchObject({ type: 'urn:pitstop:rule:part-number-unique', status: 409 })
    }
    expect(await written()).toEqual(before)
    expect(await (await host.get('/api/parts/RP-2')).json()).toMatchObject({ unitPrice: '12.50' })
  })

  it('registers concurrent exact repeats once and answers each like the first', async () => {
    const before = await written()

    const answers = await Promise.all(Array.from({ length: 5 }, async () => answer(await register('RP-3'))))

    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201])
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1)
    expect(await written()).toEqual({
      ...before,
      parts: before.parts + 1,
      outbox: before.outbox + 1,
      answers: before.answers + 1,
    })
  })

  it('takes a price of 0.01 and one of 9999999.99', async () => {
    expect(await (await register('P-MIN', { unitPrice: '0.01' })).json()).toMatchObject({ unitPrice: '0.01' })
    expect(await (await register('P-MAX', { unitPrice: '9999999.99' })).json()).toMatchObject({
      unitPrice: '9999999.99',
    })
  })

  it.each([
    ['a missing part number', { partNumber: undefined }, '/partNumber'],
    ['a part number with a space inside', { partNumber: 'BP 1044' }, '/partNumber'],
    ['a part number starting with a dash', { partNumber: '-BP' }, '/partNumber'],
    ['a part number of 41 characters', { partNumber: 'P'.repeat(41) }, '/partNumber'],
    ['a part number that is letters only once upper-cased (ß)', { partNumber: 'ß-1' }, '/partNumber'],
    ['an empty name', { name: '  ' }, '/name'],
    ['a name of 101 characters', { name: 'n'.repeat(101) }, '/name'],
    ['a missing price', { unitPrice: undefined }, '/unitPrice'],
    ['a price with three decimals', { unitPrice: '12.505' }, '/unitPrice'],
    ['a price of 12.505 as a number', { unitPrice: 12.505 }, '/unitPrice'],
    ['a negative price', { unitPrice: '-1.00' }, '/unitPrice'],
    ['a price that is not an amount', { unitPrice: 'twelve' }, '/unitPrice'],
    ['a price above 9999999.99', { unitPrice: '10000000.00' }, '/unitPrice'],
  ])('refuses %s with 400 naming the field, and writes nothing', async (_, overrides, field) => {
    const before = await written()
    const body = { ...part('BAD-1'), ...overrides }

    await expectInvalid(await host.post('/api/parts', body), field)

    expect(await written()).toEqual(before)
    expect((await host.get('/api/parts/BAD-1')).status).toBe(404)
  })

  it('takes a part number of 40 characters and a name of 100', async () => {
    expect((await register('P'.repeat(40), { name: 'n'.repeat(100) })).status).toBe(201)
  })
})

describe('POST /api/parts/{partNumber}/lots', () => {
  beforeAll(async () => {
    await register('LOT-1')
  })

  it('receives a lot dated by the clock, with a lot id of its own, and records LotReceived', async () => {
    now = Date.parse('2026-12-02T09:30:00.000Z')

    const res = await receive('lot-1', 12)

    expect(res.status).toBe(201)
    const lot = (await res.json()) as Lot
    expect(lot).toEqual({
      lotId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      partNumber: 'LOT-1',
      quantity: 12,
      receivedAt: '2026-12-02T09:30:00.000Z',
    })
    expect(await lastEvent()).toMatchObject({
      type: 'LotReceived',
      stream: lot.lotId,
      position: 1,
      data: lot,
    })
  })

  it('answers 404 problem+json for a part not in the catalogue, and writes nothing', async () => {
    const before = await written()

    const res = await receive('NO-SUCH-PART', 1)

    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(await written()).toEqual(before)
  })

  it('takes a lot of 1 and one of 10000', async () => {
    expect((await receive('LOT-1', 1)).status).toBe(201)
    expect((await receive('LOT-1', 10_000)).status).toBe(201)
  })

  it.each([
    ['a quantity of 0', 0],
    ['a quantity of 10001', 10_001],
    ['a fraction', 1.5],
    ['a quantity in a string', '3'],
    ['no quantity', undefined],
  ])('refuses %s with 400 naming the field, and writes nothing', async (_, quantity) => {
    const before = await written()

    await expectInvalid(await receive('LOT-1', quantity), '/quantity')

    expect(await written()).toEqual(before)
  })

  it('refuses a malformed part number in the path with 400, and writes nothing', async () => {
    const before = await written()

    await expectInvalid(await receive('bad%20part', 1), '/param/partNumber')

    expect(await written()).toEqual(before)
  })

  it('answers a retry with the same Idempotency-Key like the first: the same lot, received once', async () => {
    const first = await answer(await receive('LOT-1', 4, { 'idempotency-key': 'lot-key-1' }))
    const before = await written()

    const retry = await receive('LOT-1', 4, { 'idempotency-key': 'lot-key-1' })

    expect(first.status).toBe(201)
    expect(await answer(retry)).toEqual(first)
    expect(retry.headers.get('idempotent-replayed')).toBe('true')
    expect(await written()).toEqual(before)
  })

  it('refuses the key with another quantity: 409 idempotency-key-reused, nothing written', async () => {
    await receive('LOT-1', 4, { 'idempotency-key': 'lot-key-2' })
    const before = await written()

    const other = await receive('LOT-1', 5, { 'idempotency-key': 'lot-key-2' })

    expect(other.status).toBe(409)
    expect(await other.json()).toMatchObject({ type: 'urn:pitstop:rule:idempotency-key-reused' })
    expect(await written()).toEqual(before)
  })

  it('receives concurrent retries with one key once', async () => {
    const before = await written()

    const answers = await Promise.all(
      Array.from({ length: 5 }, async () =>
        answer(await receive('LOT-1', 2, { 'idempotency-key': 'lot-key-3' })),
      ),
    )

    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201])
    expect(new Set(answers.map((a) => a.body.lotId)).size).toBe(1)
    expect(await written()).toMatchObject({ lots: before.lots + 1, outbox: before.outbox + 1 })
  })

  it('receives a new lot for each request without a key', async () => {
    const before = await written()

    await receive('LOT-1', 2)
    await receive('LOT-1', 2)

    expect(await written()).toMatchObject({ lots: before.lots + 2, outbox: before.outbox + 2 })
  })
})

describe('GET /api/parts/{partNumber}', () => {
  it('shows the part with its lots, oldest first by the time they arrived, each with its stock', async () => {
    await register('ORD-1', { unitPrice: '3.05' })
    now = Date.parse('2026-12-03T10:00:00.000Z')
    const later = (await (await receive('ORD-1', 5)).json()) as Lot
    // Received afterwards but dated earlier: the date orders the lots, not the order of arrival or the id.
    now = Date.parse('2026-12-03T09:00:00.000Z')
    const earlier = (await (await receive('ORD-1', 2)).json()) as Lot

    expect(await (await host.get('/api/parts/ORD-1')).json()).toEqual({
      partNumber: 'ORD-1',
      name: 'Brake pads, front',
      unitPrice: '3.05',
      onHand: 7,
      reserved: 0,
      available: 7,
      lots: [
        {
          lotId: earlier.lotId,
          receivedAt: earlier.receivedAt,
          quantity: 2,
          onHand: 2,
          reserved: 0,
          available: 2,
        },
        {
          lotId: later.lotId,
          receivedAt: later.receivedAt,
          quantity: 5,
          onHand: 5,
          reserved: 0,
          available: 5,
        },
      ],
    })
  })

  it('answers 404 problem+json for a part not in the catalogue', async () => {
    const res = await host.get('/api/parts/NO-SUCH-PART')
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
  })

  it('refuses a malformed part number with 400 naming it', async () => {
    await expectInvalid(await host.get('/api/parts/bad%20part'), '/param/partNumber')
  })
})

describe('GET /api/parts', () => {
  it('lists every part by part number with its price and stock, paginated', async () => {
    await register('LIST-B', { unitPrice: '100' })
    await receive('LIST-B', 3)
    await register('LIST-A', { unitPrice: '0.5' })

    const all = (await (await host.get('/api/parts?limit=1000')).json()) as { partNumber: string }[]

    expect(all.map((p) => p.partNumber)).toEqual(all.map((p) => p.partNumber).toSorted())
    expect(all.filter((p) => p.partNumber.startsWith('LIST-'))).toEqual([
      {
        partNumber: 'LIST-A',
        name: 'Brake pads, front',
        unitPrice: '0.50',
        onHand: 0,
        reserved: 0,
        available: 0,
      },
      {
        partNumber: 'LIST-B',
        name: 'Brake pads, front',
        unitPrice: '100.00',
        onHand: 3,
        reserved: 0,
        available: 3,
      },
    ])
    const page = (await (await host.get(`/api/parts?limit=1&offset=${all.length - 1}`)).json()) as unknown[]
    expect(page).toEqual([all.at(-1)])
  })

  it('refuses a limit or offset that is not a count with 400', async () => {
    for (const query of ['limit=0', 'limit=abc', 'offset=-1', 'limit=1001']) {
      expect((await host.get(`/api/parts?${query}`)).status, query).toBe(400)
    }
  })
})

describe('who may change the catalogue', () => {
  it('refuses a mechanic registering a part or receiving a lot (403), and writes nothing', async () => {
    const mechanic = {
      authorization: `Bearer ${await host.tokenFor({ role: 'mechanic', email: 'm@pitstop.local' })}`,
    }
    const before = await written()

    expect((await host.post('/api/parts', part('MECH-1'), mechanic)).status).toBe(403)
    expect((await host.post('/api/parts/LOT-1/lots', { quantity: 1 }, mechanic)).status).toBe(403)

    expect(await written()).toEqual(before)
    expect((await host.get('/api/parts/MECH-1')).status).toBe(404)
  })

  it('lets a mechanic and customer support read the catalogue, and no customer', async () => {
    for (const role of ['mechanic', 'support'] as const) {
      const staff = {
        authorization: `Bearer ${await host.tokenFor({ role, email: `${role}@pitstop.local` })}`,
      }
      expect((await host.get('/api/parts', staff)).status).toBe(200)
      expect((await host.get('/api/parts/LOT-1', staff)).status).toBe(200)
    }
    const customer = {
      authorization: `Bearer ${await host.tokenFor({ role: 'customer', customerId: 'c-1' })}`,
    }
    expect((await host.get('/api/parts', customer)).status).toBe(403)
    expect((await host.get('/api/parts/LOT-1', customer)).status).toBe(403)
  })
})

describe('the dead letters beside the catalogue', () => {
  it('serves /api/parts/dead-letters to the manager alone, though it reads like a part number', async () => {
    const res = await host.get('/api/parts/dead-letters')
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ letters: [] })
    const mechanic = {
      authorization: `Bearer ${await host.tokenFor({ role: 'mechanic', email: 'm@pitstop.local' })}`,
    }
    expect((await host.get('/api/parts/dead-letters', mechanic)).status).toBe(403)
  })

  it('shows a part numbered DEAD-LETTERS at its number as the catalogue keeps it', async () => {
    const res = await register('dead-letters')
    expect(res.headers.get('location')).toBe('/api/parts/DEAD-LETTERS')
    expect(await (await host.get('/api/parts/DEAD-LETTERS')).json()).toMatchObject({
      partNumber: 'DEAD-LETTERS',
    })
  })
})
