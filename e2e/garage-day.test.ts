import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { sampleCustomer, sampleVehicle } from '../shared/testing/test-host.ts'
import { startNodeHost } from './node-host.ts'

let host: Awaited<ReturnType<typeof startNodeHost>>
beforeAll(async () => {
  host = await startNodeHost()
}, 60_000)
afterAll(() => host.cleanup())

describe('a day at the garage, through the Node host', () => {
  it('registers a customer and a vehicle, plans and finishes a job, and shows it all', async () => {
    expect((await host.post('/api/customers', sampleCustomer('mia'))).status).toBe(201)
    expect((await host.post('/api/vehicles', sampleVehicle('pp-11-qq', 'mia'))).status).toBe(201)

    await vi.waitFor(async () => {
      expect(await (await host.get('/api/workshop/refdata/customers/mia')).json()).toEqual(
        sampleCustomer('mia'),
      )
      expect((await host.get('/api/workshop/refdata/vehicles/PP-11-QQ')).status).toBe(200)
    })

    const planned = await host.post('/api/workshop/planning/2026-12-10/jobs', {
      jobId: 'service-1',
      startTime: '2026-12-10T08:00:00Z',
      endTime: '2026-12-10T09:30:00Z',
      customerId: 'mia',
      licenseNumber: 'PP-11-QQ',
      description: 'Yearly service',
    })
    expect(planned.status).toBe(201)
    const finished = await host.put('/api/workshop/planning/2026-12-10/jobs/service-1/finish', {
      startTime: '2026-12-10T08:05:00Z',
      endTime: '2026-12-10T09:20:00Z',
      notes: 'Oil and filters replaced',
    })
    expect(finished.status).toBe(200)

    const planning = (await (await host.get('/api/workshop/planning/2026-12-10')).json()) as {
      jobs: unknown[]
    }
    expect(planning.jobs).toEqual([
      expect.objectContaining({ jobId: 'service-1', status: 'finished', notes: 'Oil and filters replaced' }),
    ])
    await vi.waitFor(async () => {
      const log = (await (await host.get('/api/workshop/events')).json()) as { type: string }[]
      expect(log.map((e) => e.type).sort()).toEqual([
        'CustomerRegistered',
        'MaintenanceJobFinished',
        'MaintenanceJobPlanned',
        'VehicleRegistered',
        'WorkshopPlanningCreated',
      ])
    })
  })

  it('reports every service, its database and Redis on /health, and lists the APIs on /', async () => {
    const health = await (await host.get('/health')).json()
    expect(health).toMatchObject({
      status: 'ok',
      redis: 'ok',
      services: { customers: { database: 'ok' }, vehicles: { database: 'ok' }, workshop: { database: 'ok' } },
    })
    const page = await (await host.get('/')).text()
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
