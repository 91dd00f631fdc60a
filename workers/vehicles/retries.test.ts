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

const written = async () => ({
  vehicles: (await host.db('vehicles').select({ n: count() }).from(vehicles))[0]!.n,
  outbox: (await host.db('vehicles').select({ n: count() }).from(outbox))[0]!.n,
})
const answer = async (res: Response) => ({
  status: res.status,
  location: res.headers.get('location'),
  body: await res.json(),
})

// The license number is the vehicle's id: it is always given, so no Idempotency-Key is needed.
describe('POST /api/vehicles, repeated', () => {
  it('answers an exact repeat like the first (201, body, Location), without a second event', async () => {
    const first = await answer(await host.post('/api/vehicles', sampleVehicle('RR-11-AA', 'ann')))
    const before = await written()

    const repeat = await host.post('/api/vehicles', sampleVehicle('RR-11-AA', 'ann'))

    expect(first).toEqual({
      status: 201,
      location: '/api/vehicles/RR-11-AA',
      body: sampleVehicle('RR-11-AA', 'ann'),
    })
    expect(await answer(repeat)).toEqual(first)
    expect(await written()).toEqual(before)
  })

  it('compares the validated body: the license number in lower case is the same request', async () => {
    await host.post('/api/vehicles', sampleVehicle('RR-22-BB', 'ann'))
    const before = await written()

    const repeat = await host.post('/api/vehicles', sampleVehicle(' rr-22-bb', 'ann'))

    expect(repeat.status).toBe(201)
    expect(await repeat.json()).toEqual(sampleVehicle('RR-22-BB', 'ann'))
    expect(await written()).toEqual(before)
  })

  it('refuses the license number with other details: 409 license-number-taken, nothing written', async () => {
    await host.post('/api/vehicles', sampleVehicle('RR-33-CC', 'ann'))
    const before = await written()

    const other = await host.post('/api/vehicles', sampleVehicle('RR-33-CC', 'bob'))

    expect(other.status).toBe(409)
    expect(await other.json()).toMatchObject({ type: 'urn:pitstop:rule:license-number-taken', status: 409 })
    expect(await written()).toEqual(before)
  })

  it('registers concurrent exact repeats once and answers each like the first', async () => {
    const before = await written()

    const responses = await Promise.all(
      Array.from({ length: 4 }, () => host.post('/api/vehicles', sampleVehicle('RR-44-DD', 'ann'))),
    )

    const answers = await Promise.all(responses.map(answer))
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201])
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1)
    expect(await written()).toEqual({ vehicles: before.vehicles + 1, outbox: before.outbox + 1 })
  })
})
