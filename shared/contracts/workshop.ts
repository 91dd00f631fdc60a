import * as v from 'valibot'
import { eventContract, Timestamp, type DomainEvent } from './envelope.ts'
import { Customer } from './customers.ts'
import { Vehicle } from './vehicles.ts'
import { Identifier, requiredText } from './text.ts'

/** A calendar date `YYYY-MM-DD` that exists (no 2026-02-30). */
export const PlanningDate = v.pipe(
  v.string(),
  v.isoDate('must be a date YYYY-MM-DD'),
  v.check((s) => new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'must be a date that exists'),
)
export const JobId = Identifier

/** Bodies of the workshop's commands. */
export const PlanMaintenanceJob = v.object({
  jobId: v.optional(JobId),
  startTime: Timestamp,
  endTime: Timestamp,
  customerId: Customer.entries.customerId,
  licenseNumber: Vehicle.entries.licenseNumber,
  description: requiredText(500),
})
export const FinishMaintenanceJob = v.object({
  startTime: Timestamp,
  endTime: Timestamp,
  notes: v.pipe(v.string(), v.trim(), v.maxLength(2000, 'must be at most 2000 characters')),
})

export const JobCustomer = v.pick(Customer, ['customerId', 'name', 'telephoneNumber'])
export const JobVehicle = v.pick(Vehicle, ['licenseNumber', 'brand', 'type'])

export const WorkshopPlanningCreated = eventContract(
  'WorkshopPlanningCreated',
  1,
  v.object({ planningId: PlanningDate, date: PlanningDate }),
)
export const MaintenanceJobPlanned = eventContract(
  'MaintenanceJobPlanned',
  1,
  v.object({
    planningId: PlanningDate,
    jobId: JobId,
    startTime: Timestamp,
    endTime: Timestamp,
    description: v.string(),
    customer: JobCustomer,
    vehicle: JobVehicle,
  }),
)
export const MaintenanceJobFinished = eventContract(
  'MaintenanceJobFinished',
  1,
  v.object({
    planningId: PlanningDate,
    jobId: JobId,
    startTime: Timestamp,
    endTime: Timestamp,
    notes: v.string(),
  }),
)
export type WorkshopPlanningCreated = DomainEvent<typeof WorkshopPlanningCreated>
export type MaintenanceJobPlanned = DomainEvent<typeof MaintenanceJobPlanned>
export type MaintenanceJobFinished = DomainEvent<typeof MaintenanceJobFinished>
