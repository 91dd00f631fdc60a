import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sampleCustomer } from '../shared/host/node/test-host.ts'
import { aDayAtTheGarage } from './garage-day.ts'
import { startNodeHost } from './node-host.ts'

let host: Awaited<ReturnType<typeof startNodeHost>>
beforeAll(async () => {
  host = await startNodeHost()
}, 60_000)
afterAll(() => host.cleanup())

describe('a day at the garage, through the Node host', () => {
  it('registers a customer and a vehicle, plans and finishes a job, and shows it all', async () => {
    await aDayAtTheGarage(host)
  })

  it('reports every service, its database and Redis on /health, and lists the APIs on /api', async () => {
    const health = await (await host.get('/health')).json()
    expect(health).toMatchObject({
      status: 'ok',
      redis: 'ok',
      services: { customers: { database: 'ok' }, vehicles: { database: 'ok' }, workshop: { database: 'ok' } },
    })
    const page = await (await host.get('/api')).text()
    expect(page).toContain('POST /api/workshop/planning/{date}/jobs')
  })
})

describe('a subset of services (SERVICES)', () => {
  it('serves only the services it was given', async () => {
    const subset = await startNodeHost({ SERVICES: 'customers' })
    try {
      expect((await subset.post('/api/customers', sampleCustomer('solo'))).status).toBe(201)
      const missing = await subset.get('/api/workshop/planning/2026-12-10')
      expect(missing.status).toBe(404)
      expect(
        Object.keys(((await (await subset.get('/health')).json()) as { services: object }).services),
      ).toEqual(['customers'])
    } finally {
      await subset.cleanup()
    }
  }, 60_000)
})
