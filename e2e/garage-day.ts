import { expect, vi } from 'vitest'
import { sampleCustomer, sampleVehicle } from '../shared/host/node/test-host.ts'
import type { startNodeHost } from './node-host.ts'

type Host = Pick<Awaited<ReturnType<typeof startNodeHost>>, 'get' | 'post' | 'put'>

/**
 * The end-to-end scenario every runtime must pass: register a customer and a vehicle, see them in the
 * workshop's reference data, plan and finish a job, read the planning and the event log.
 */
export async function aDayAtTheGarage(host: Host, waitFor = { timeout: 10_000, interval: 50 }) {
  expect((await host.post('/api/customers', sampleCustomer('mia'))).status).toBe(201)
  expect((await host.post('/api/vehicles', sampleVehicle('pp-11-qq', 'mia'))).status).toBe(201)

  await vi.waitFor(async () => {
    expect(await (await host.get('/api/workshop/refdata/customers/mia')).json()).toEqual(
      sampleCustomer('mia'),
    )
    expect((await host.get('/api/workshop/refdata/vehicles/PP-11-QQ')).status).toBe(200)
  }, waitFor)

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
  }, waitFor)
}
