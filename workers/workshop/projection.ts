import type { AnyEvent, Envelope } from '../../shared/contracts/index.ts'
import type { EventHandler } from '../../shared/consumer/consumer-group.ts'
import type { BatchItem, Db } from '../../shared/db/database.ts'
import { jobs, refCustomers, refVehicles } from './schema.ts'

/**
 * The workshop's read model: reference data from the customers and vehicles streams, jobs per day
 * from its own stream. Every statement is an upsert of the columns its event owns, so the result is
 * the same whatever order several consumers apply the events in.
 */
export function workshopProjection(db: Db): EventHandler {
  return function project(envelope: Envelope): BatchItem[] {
    const event = envelope as AnyEvent
    switch (event.type) {
      case 'CustomerRegistered':
        return [db.insert(refCustomers).values(event.data).onConflictDoNothing()]
      case 'VehicleRegistered':
        return [db.insert(refVehicles).values(event.data).onConflictDoNothing()]
      case 'MaintenanceJobPlanned': {
        const { planningId, jobId, customer, vehicle, ...slot } = event.data
        const planned = {
          ...slot,
          customerId: customer.customerId,
          customerName: customer.name,
          telephoneNumber: customer.telephoneNumber,
          licenseNumber: vehicle.licenseNumber,
          brand: vehicle.brand,
          vehicleType: vehicle.type,
        }
        return [
          db
            .insert(jobs)
            .values({ jobId, date: planningId, ...planned })
            .onConflictDoUpdate({ target: jobs.jobId, set: planned }),
        ]
      }
      case 'MaintenanceJobFinished': {
        const { planningId, jobId, startTime, endTime, notes } = event.data
        const finished = { actualStartTime: startTime, actualEndTime: endTime, notes }
        return [
          db
            .insert(jobs)
            .values({ jobId, date: planningId, ...finished })
            .onConflictDoUpdate({ target: jobs.jobId, set: finished }),
        ]
      }
      default:
        // Planning creation and types this projection does not know yet only go into the event log.
        return []
    }
  }
}
