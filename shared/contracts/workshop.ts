import * as v from 'valibot'
import { eventContract, type DomainEvent } from './envelope.ts'
import { Customer } from './customers.ts'
import { Vehicle } from './vehicles.ts'
import { Identifier, multilineText } from './text.ts'
import { FIRST_YEAR, RecordedTimestamp, Timestamp } from './timestamp.ts'

// Also runs when the format is wrong (valibot goes on checking), so an invalid Date must not throw here.
function dateExists(date: string): boolean {
  const midnight = new Date(`${date}T00:00:00Z`)
  return !Number.isNaN(midnight.getTime()) && midnight.toISOString().startsWith(date)
}

/** A calendar date `YYYY-MM-DD` that exists (no 2026-02-30), from the year 1900 on. */
export const PlanningDate = v.pipe(
  v.string(),
  v.isoDate('must be a date YYYY-MM-DD'),
  v.check((s) => Number(s.slice(0, 4)) >= FIRST_YEAR, `must be in the year ${FIRST_YEAR} or later`),
  v.check(dateExists, 'must be a date that exists'),
)
const Description = v.pipe(multilineText(500), v.nonEmpty('must not be empty'))
const Notes = multilineText(2000)
export const JobId = Identifier

/** Body of `POST /api/workshop/planning/{date}/jobs`. */
export const PlanMaintenanceJobBody = v.object({
  jobId: v.optional(JobId),
  startTime: Timestamp,
  endTime: Timestamp,
  customerId: Customer.entries.customerId,
  licenseNumber: Vehicle.entries.licenseNumber,
  description: Description,
})
/** Body of `PUT /api/workshop/planning/{date}/jobs/{jobId}/finish`. */
export const FinishMaintenanceJobBody = v.object({
  startTime: Timestamp,
  endTime: Timestamp,
  notes: Notes,
})

export const JobCustomer = v.pick(Customer, ['customerId', 'name', 'telephoneNumber'])
export const JobVehicle = v.pick(Vehicle, ['licenseNumber', 'brand', 'type'])

/**
 * The workshop's commands, as its decider takes them: the body with the planning's date and the job's
 * id from the path (or generated), and the customer and vehicle looked up in the workshop's reference data.
 */
export const PlanMaintenanceJob = v.object({
  date: PlanningDate,
  jobId: JobId,
  startTime: Timestamp,
  endTime: Timestamp,
  description: Description,
  customer: JobCustomer,
  vehicle: JobVehicle,
})
export const FinishMaintenanceJob = v.object({
  date: PlanningDate,
  jobId: JobId,
  ...FinishMaintenanceJobBody.entries,
})

export const WorkshopPlanningCreated = eventContract(
  'WorkshopPlanningCreated',
  1,
  v.object({ planningId: PlanningDate, date: PlanningDate }),
)
// Events carry times as recorded (`RecordedTimestamp`) and texts as accepted: what the commands refuse
// today may stand in events recorded before, and a consumer must still read them.
export const MaintenanceJobPlanned = eventContract(
  'MaintenanceJobPlanned',
  1,
  v.object({
    planningId: PlanningDate,
    jobId: JobId,
    startTime: RecordedTimestamp,
    endTime: RecordedTimestamp,
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
    startTime: RecordedTimestamp,
    endTime: RecordedTimestamp,
    notes: v.string(),
  }),
)
export type WorkshopPlanningCreated = DomainEvent<typeof WorkshopPlanningCreated>
export type MaintenanceJobPlanned = DomainEvent<typeof MaintenanceJobPlanned>
export type MaintenanceJobFinished = DomainEvent<typeof MaintenanceJobFinished>
