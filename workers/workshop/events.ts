import type {
  MaintenanceJobFinished,
  MaintenanceJobPlanned,
  WorkshopPlanningCreated,
} from '../../shared/contracts/index.ts'
import { canonicalTime } from '../../shared/contracts/index.ts'

export type WorkshopEvent = WorkshopPlanningCreated | MaintenanceJobPlanned | MaintenanceJobFinished

type Planned = Omit<MaintenanceJobPlanned['data'], 'planningId'>
export type Job =
  | (Planned & { status: 'planned' })
  | (Planned & { status: 'finished'; actualStartTime: string; actualEndTime: string; notes: string })

/** One day of the workshop: the jobs planned on it. Plain data, so it can be snapshotted as JSON. */
export type WorkshopPlanning = { status: 'empty' } | { status: 'open'; date: string; jobs: Job[] }

export const initialState = (): WorkshopPlanning => ({ status: 'empty' })

export function evolve(state: WorkshopPlanning, event: WorkshopEvent): WorkshopPlanning {
  switch (event.type) {
    case 'WorkshopPlanningCreated':
      return { status: 'open', date: event.data.date, jobs: [] }
    case 'MaintenanceJobPlanned': {
      if (state.status !== 'open') return state
      // Built field by field: every job then shares one object shape, and the rules read them fast.
      const { jobId, description, customer, vehicle } = event.data
      // Replayed from the store unparsed: a time recorded before times were canonical is made so here.
      const startTime = canonicalTime(event.data.startTime)
      const endTime = canonicalTime(event.data.endTime)
      const job: Job = { jobId, startTime, endTime, description, customer, vehicle, status: 'planned' }
      return { ...state, jobs: [...state.jobs, job] }
    }
    case 'MaintenanceJobFinished': {
      if (state.status !== 'open') return state
      const { jobId, notes } = event.data
      const actualStartTime = canonicalTime(event.data.startTime)
      const actualEndTime = canonicalTime(event.data.endTime)
      const jobs = state.jobs.map((job): Job =>
        job.jobId === jobId ? { ...job, status: 'finished', actualStartTime, actualEndTime, notes } : job,
      )
      return { ...state, jobs }
    }
  }
}

export const workshopPlanning = { initialState, evolve }

// Times are canonical UTC (the contracts and evolve make them so), whose text order is time order.
const byTime = (a: Job, b: Job) =>
  a.startTime < b.startTime
    ? -1
    : a.startTime > b.startTime
      ? 1
      : a.endTime < b.endTime
        ? -1
        : a.endTime > b.endTime
          ? 1
          : 0

/**
 * The jobs of a planning by start time (then end time), as lists show them. The state keeps them in the
 * order they were planned, the order the rules see them in.
 */
export const jobsInTimeOrder = (state: WorkshopPlanning): Job[] =>
  state.status === 'open' ? state.jobs.toSorted(byTime) : []
