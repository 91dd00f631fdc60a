import { sql } from 'drizzle-orm'
import type { AnyEvent, Envelope } from '../../shared/contracts/index.ts'
import type { EventHandler } from '../../shared/consumer/consumer-group.ts'
import type { Db } from '../../shared/db/database.ts'
import { compileInsert, placeholders, type Write } from '../../shared/db/statements.ts'
import { jobs, refCustomers, refVehicles } from './schema.ts'

/** The consumer group that keeps the workshop's read model and its event log. */
export const WORKSHOP_GROUP = 'workshop'

const plannedColumns = [
  'startTime',
  'endTime',
  'description',
  'customerId',
  'customerName',
  'telephoneNumber',
  'licenseNumber',
  'brand',
  'vehicleType',
] as const
const finishedColumns = ['actualStartTime', 'actualEndTime', 'notes'] as const

/**
 * The workshop's read model: reference data from the customers and vehicles streams, jobs per day
 * from its own stream. Every statement is an upsert of the columns its event owns, so the result is
 * the same whatever order several consumers apply the events in.
 */
export function workshopProjection(db: Db): EventHandler {
  // Compiled once: the consumer applies these for every event.
  const insertCustomer = compileInsert<typeof refCustomers.$inferInsert>(
    db.insert(refCustomers).values(placeholders(refCustomers)).onConflictDoNothing(),
  )
  const insertVehicle = compileInsert<typeof refVehicles.$inferInsert>(
    db.insert(refVehicles).values(placeholders(refVehicles)).onConflictDoNothing(),
  )
  const upsertJob = (columns: readonly (keyof typeof jobs.$inferInsert)[]) =>
    compileInsert<typeof jobs.$inferInsert>(
      db
        .insert(jobs)
        .values(placeholders(jobs, ['jobId', 'date', ...columns]))
        // `excluded.<column>`: the value the row brought, so the clause needs no parameters of its own.
        .onConflictDoUpdate({
          target: jobs.jobId,
          set: Object.fromEntries(columns.map((c) => [c, sql`excluded.${sql.identifier(jobs[c].name)}`])),
          // A row is one job: an event of the same id on another date (planned twice before job ids
          // were unique) leaves it alone rather than mixing two jobs.
          setWhere: sql`${jobs.date} = excluded.${sql.identifier(jobs.date.name)}`,
        }),
    )
  const upsertPlanned = upsertJob(plannedColumns)
  const upsertFinished = upsertJob(finishedColumns)

  return function project(envelope: Envelope): Write[] {
    const event = envelope as AnyEvent
    switch (event.type) {
      case 'CustomerRegistered':
        return [insertCustomer([event.data])]
      case 'VehicleRegistered':
        return [insertVehicle([event.data])]
      case 'MaintenanceJobPlanned': {
        const { planningId, jobId, customer, vehicle, ...slot } = event.data
        return [
          upsertPlanned([
            {
              jobId,
              date: planningId,
              ...slot,
              customerId: customer.customerId,
              customerName: customer.name,
              telephoneNumber: customer.telephoneNumber,
              licenseNumber: vehicle.licenseNumber,
              brand: vehicle.brand,
              vehicleType: vehicle.type,
            },
          ]),
        ]
      }
      case 'MaintenanceJobFinished': {
        const { planningId, jobId, startTime, endTime, notes } = event.data
        return [
          upsertFinished([
            { jobId, date: planningId, actualStartTime: startTime, actualEndTime: endTime, notes },
          ]),
        ]
      }
      default:
        // Planning creation and types this projection does not know yet only go into the event log.
        return []
    }
  }
}
