import { count } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { outbox } from '../../shared/db/kernel-schema.ts'
import { sampleVehicle, startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { vehicles } from './schema.ts'

let host: TestHost
beforeAll(async () => {
  host = await startTestHost({ services: ['vehicles'] })
})
afterAll(() => host.cleanup())

const rows = async () => ({
  vehicles: (await host.db('vehicles').select({ n: count() }).from(vehicles))[0]!.n,
  outbox: (await host.db('vehicles').select({ n: count() }).from(outbox))[0]!.n,
})

describe('POST /api/vehicles', () => {
  it('registers a vehicle with its license number upper-cased and records VehicleRegistered', async () => {
    const res = await host.post('/api/vehicles', sampleVehicle('ab-12-cd', 'ann'))
    expect(res.status).toBe(201)
    expect(await res.json()).toEqual(sampleVehicle('AB-12-CD', 'ann'))
    expect(res.headers.get('location')).toBe('/api/vehicles/AB-12-CD')
    const [event] = await host.db('vehicles').select().from(outbox)
    expect(JSON.parse(event!.envelope)).toMatchObject({
      type: 'VehicleRegistered',
      stream: 'AB-12-CD',
      data: sampleVehicle('AB-12-CD', 'ann'),
    })
  })

  it('refuses a license number that is already registered (409 license-number-taken), whatever its case', async () => {
    await host.post('/api/vehicles', sampleVehicle('XY-99-ZZ', 'ann'))
    const before = await rows()
    const res = await host.post('/api/vehicles', sampleVehicle('xy-99-zz', 'bob'))
    expect(res.status).toBe(409)
    expect(((await res.json()) as { type: string }).type).toBe('urn:pitstop:rule:license-number-taken')
    expect(await rows()).toEqual(before)
  })

  it('registers concurrent identical registrations of the same license number once, answering each alike', async () => {
    const before = await rows()
    const responses = await Promise.all(
      Array.from({ length: 4 }, () => host.post('/api/vehicles', sampleVehicle('RAC-1-A', 'ann'))),
    )
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201])
    expect(await rows()).toEqual({ vehicles: before.vehicles + 1, outbox: before.outbox + 1 })
  })

  it.each([
    ['a license number without dashes', sampleVehicle('AB12CD', 'ann'), '/licenseNumber'],
    ['a license number with four letters in a group', sampleVehicle('ABCD-12-CD', 'ann'), '/licenseNumber'],
    ['a license number with two groups', sampleVehicle('AB-12', 'ann'), '/licenseNumber'],
    ['a missing brand', { ...sampleVehicle('AA-11-AA', 'ann'), brand: undefined }, '/brand'],
    ['an empty owner', sampleVehicle('AA-11-AB', ''), '/ownerId'],
    // Upper-cased first, ß became SS and was stored as SS-12-CD.
    ['a license number with ß', sampleVehicle('ß-12-cd', 'ann'), '/licenseNumber'],
    ['a brand with a NUL', { ...sampleVehicle('AA-11-AC', 'ann'), brand: 'Opel\u0000' }, '/brand'],
    ['a type with a lone surrogate', { ...sampleVehicle('AA-11-AD', 'ann'), type: '\udc00Astra' }, '/type'],
  ])('refuses %s with 400 naming the field, and writes nothing', async (_, body, field) => {
    const before = await rows()
    const res = await host.post('/api/vehicles', body)
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(((await res.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual([
      field,
    ])
    expect(await rows()).toEqual(before)
  })

  it('accepts the longest groups the pattern allows (three digits or letters)', async () => {
    expect((await host.post('/api/vehicles', sampleVehicle('ABC-123-XYZ', 'ann'))).status).toBe(201)
  })
})

describe('GET /api/vehicles', () => {
  it('lists vehicles and finds one by license number in any case', async () => {
    await host.post('/api/vehicles', sampleVehicle('LL-22-MM', 'ann'))
    const list = (await (await host.get('/api/vehicles')).json()) as { licenseNumber: string }[]
    expect(list.map((v) => v.licenseNumber)).toContain('LL-22-MM')
    const one = await host.get('/api/vehicles/ll-22-mm')
    expect(one.status).toBe(200)
    expect(await one.json()).toEqual(sampleVehicle('LL-22-MM', 'ann'))
  })

  it('answers 404 for an unknown vehicle and 400 for a malformed license number', async () => {
    expect((await host.get('/api/vehicles/ZZ-00-ZZ')).status).toBe(404)
    expect((await host.get('/api/vehicles/not-a-plate-at-all')).status).toBe(400)
    expect((await host.get('/api/vehicles?limit=5000')).status).toBe(400)
  })
})

describe('GET /api/vehicles?ownerId=', () => {
  beforeAll(async () => {
    for (const [licenseNumber, ownerId] of [
      ['OF-33-CC', 'owner-fil'],
      ['OF-22-BB', 'owner-flo'],
      ['OF-11-AA', 'owner-fil'],
    ] as const)
      expect((await host.post('/api/vehicles', sampleVehicle(licenseNumber, ownerId))).status).toBe(201)
  })

  const list = async (query: string, headers: Record<string, string> = {}) => {
    const res = await host.get(`/api/vehicles?${query}`, headers)
    expect(res.status).toBe(200)
    return ((await res.json()) as { licenseNumber: string }[]).map((v) => v.licenseNumber)
  }
  const asCustomer = async (customerId: string) => ({
    authorization: `Bearer ${await host.tokenFor({ role: 'customer', customerId })}`,
  })

  it("lists only that owner's vehicles, ordered by license number and paginated", async () => {
    expect(await list('ownerId=owner-fil')).toEqual(['OF-11-AA', 'OF-33-CC'])
    expect(await list('ownerId=owner-flo')).toEqual(['OF-22-BB'])
    expect(await list('ownerId=owner-fil&limit=1&offset=1')).toEqual(['OF-33-CC'])
  })

  it('answers an empty list for an owner without vehicles', async () => {
    expect(await list('ownerId=owner-nobody')).toEqual([])
  })

  it('gives a customer their own vehicles, and none when they ask for another owner', async () => {
    const fil = await asCustomer('owner-fil')
    expect(await list('', fil)).toEqual(['OF-11-AA', 'OF-33-CC'])
    expect(await list('ownerId=owner-fil', fil)).toEqual(['OF-11-AA', 'OF-33-CC'])
    expect(await list('ownerId=owner-flo', fil)).toEqual([])
  })

  it.each([
    ['empty', ''],
    ['with a space', 'owner%20fil'],
    ['over 64 characters', 'o'.repeat(65)],
  ])('refuses an owner id %s with 400 naming /query/ownerId alone', async (_, ownerId) => {
    const res = await host.get(`/api/vehicles?ownerId=${ownerId}`)
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    const problem = (await res.json()) as { type: string; errors: { field: string }[] }
    expect(problem.type).toBe('urn:pitstop:problem:invalid-input')
    expect(problem.errors.map((e) => e.field)).toEqual(['/query/ownerId'])
  })
})
