import { describe, expect, it } from 'vitest'
import { newUuidV7, systemClock } from '../../shared/clock.ts'
import type { Envelope } from '../../shared/contracts/index.ts'
import type { Db } from '../../shared/db/database.ts'
import { commitWrites } from '../../shared/db/statements.ts'
import { toEnvelopes, type UnwrappedEvent } from '../../shared/envelope.ts'
import { tempDatabase } from '../../shared/testing/temp-database.ts'
import { sampleCustomer, sampleVehicle } from '../../shared/host/node/test-host.ts'
import { workshopProjection } from './projection.ts'
import { jobs, refCustomers, refVehicles } from './schema.ts'

// What the workshop's read model makes of each event. How events reach it (consumer groups, redelivery,
// several consumers) is the kernel's, tested in shared/consumer.

const DATE = '2026-11-21'
const metadata = { correlationId: 'projection-test', causationId: 'projection-test', actor: 'test' }

const envelope = (event: UnwrappedEvent, stream: string, after = 0): Envelope =>
  toEnvelopes([event], { stream, after, metadata, clock: systemClock, newId: newUuidV7 })[0]!

const created = envelope({ type: 'WorkshopPlanningCreated', data: { planningId: DATE, date: DATE } }, DATE)
const planned = envelope(
  {
    type: 'MaintenanceJobPlanned',
    data: {
      planningId: DATE,
      jobId: 'job-7',
      startTime: `${DATE}T09:00:00.000Z`,
      endTime: `${DATE}T10:00:00.000Z`,
      description: 'Service 7',
      customer: { customerId: 'cust-1', name: 'Ann de Vries', telephoneNumber: '+31 6 12345678' },
      vehicle: { licenseNumber: 'AB-12-CD', brand: 'Opel', type: 'Astra' },
    },
  },
  DATE,
  1,
)
const finished = envelope(
  {
    type: 'MaintenanceJobFinished',
    data: {
      planningId: DATE,
      jobId: 'job-7',
      startTime: `${DATE}T09:05:00.000Z`,
      endTime: `${DATE}T09:50:00.000Z`,
      notes: 'Brake pads replaced',
    },
  },
  DATE,
  2,
)

/** The job's row once planned: every column its plan owns, none of its finish. */
const plannedRow = {
  jobId: 'job-7',
  date: DATE,
  startTime: `${DATE}T09:00:00.000Z`,
  endTime: `${DATE}T10:00:00.000Z`,
  description: 'Service 7',
  customerId: 'cust-1',
  customerName: 'Ann de Vries',
  telephoneNumber: '+31 6 12345678',
  licenseNumber: 'AB-12-CD',
  brand: 'Opel',
  vehicleType: 'Astra',
  actualStartTime: null,
  actualEndTime: null,
  notes: null,
}

/** Applies each event in its own transaction, as a consumer would. */
async function apply(db: Db, ...envelopes: Envelope[]) {
  const project = workshopProjection(db)
  for (const event of envelopes) await commitWrites(db, await project(event))
}

describe('the workshop projection', () => {
  it('copies registered customers and vehicles into the reference data, keeping the first copy', async () => {
    const { db } = await tempDatabase('workshop')
    const customer = sampleCustomer('cust-1')
    const vehicle = sampleVehicle('AB-12-CD', 'cust-1')

    await apply(
      db,
      envelope({ type: 'CustomerRegistered', data: customer }, 'cust-1'),
      envelope({ type: 'VehicleRegistered', data: vehicle }, 'AB-12-CD'),
      envelope({ type: 'CustomerRegistered', data: { ...customer, name: 'Someone Else' } }, 'cust-1'),
    )

    expect(await db.select().from(refCustomers)).toEqual([customer])
    expect(await db.select().from(refVehicles)).toEqual([vehicle])
  })

  it('writes a planned job with its customer and vehicle, and nothing of a finish yet', async () => {
    const { db } = await tempDatabase('workshop')

    await apply(db, created, planned)

    expect(await db.select().from(jobs)).toEqual([plannedRow])
  })

  it.each([
    ['planned, then finished', [planned, finished]],
    ['finished, then planned', [finished, planned]],
  ])('ends with the job planned and finished whichever event comes first (%s)', async (_, order) => {
    const { db } = await tempDatabase('workshop')

    await apply(db, ...order)

    expect(await db.select().from(jobs)).toEqual([
      {
        ...plannedRow,
        actualStartTime: `${DATE}T09:05:00.000Z`,
        actualEndTime: `${DATE}T09:50:00.000Z`,
        notes: 'Brake pads replaced',
      },
    ])
  })

  it('writes nothing for the creation of a planning, which only goes into the event log', async () => {
    const { db } = await tempDatabase('workshop')

    expect(await workshopProjection(db)(created)).toEqual([])
  })
})
