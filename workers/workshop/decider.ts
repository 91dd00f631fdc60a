import type * as contracts from '../../shared/contracts/index.ts'
import type { Command } from '../../shared/contracts/index.ts'
import { NotFound } from '../../shared/errors.ts'
import type { WorkshopEvent, WorkshopPlanning } from './events.ts'
import {
  jobAlreadyFinished,
  jobIdUnique,
  jobWithinPlanningDay,
  maxOverlappingJobs,
  startBeforeEnd,
  vehicleNotDoubleBooked,
} from './planning-rules.ts'

export type PlanMaintenanceJob = Command<'PlanMaintenanceJob', typeof contracts.PlanMaintenanceJob>
export type FinishMaintenanceJob = Command<'FinishMaintenanceJob', typeof contracts.FinishMaintenanceJob>
export type WorkshopCommand = PlanMaintenanceJob | FinishMaintenanceJob

/** How the workshop is run; comes from configuration, not from the request. */
export interface PlanningPolicy {
  workstations: number
  timeZone: string
}

export function planMaintenanceJob(
  { data }: PlanMaintenanceJob,
  state: WorkshopPlanning,
  policy: PlanningPolicy,
): WorkshopEvent[] {
  const jobs = state.status === 'open' ? state.jobs : []
  startBeforeEnd(data)
  jobWithinPlanningDay(data.date, data, policy.timeZone)
  jobIdUnique(jobs, data.jobId)
  vehicleNotDoubleBooked(jobs, { ...data, licenseNumber: data.vehicle.licenseNumber })
  maxOverlappingJobs(jobs, data, policy.workstations)

  const { date, ...job } = data
  const planned: WorkshopEvent = { type: 'MaintenanceJobPlanned', data: { planningId: date, ...job } }
  if (state.status === 'open') return [planned]
  return [{ type: 'WorkshopPlanningCreated', data: { planningId: date, date } }, planned]
}

export function finishMaintenanceJob(
  { data }: FinishMaintenanceJob,
  state: WorkshopPlanning,
): WorkshopEvent[] {
  const job = state.status === 'open' ? state.jobs.find((j) => j.jobId === data.jobId) : undefined
  if (!job) throw new NotFound(`No job ${data.jobId} on ${data.date}`)
  jobAlreadyFinished(job)
  startBeforeEnd(data)

  const { date, ...finish } = data
  return [{ type: 'MaintenanceJobFinished', data: { planningId: date, ...finish } }]
}

export function decide(
  command: WorkshopCommand,
  state: WorkshopPlanning,
  policy: PlanningPolicy,
): WorkshopEvent[] {
  const { type } = command
  switch (type) {
    case 'PlanMaintenanceJob':
      return planMaintenanceJob(command, state, policy)
    case 'FinishMaintenanceJob':
      return finishMaintenanceJob(command, state)
    default: {
      const _exhaustive: never = type
      throw new Error(`Unknown command ${_exhaustive}`)
    }
  }
}
