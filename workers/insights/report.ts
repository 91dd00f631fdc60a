import { dayOf, daysFrom, daysSpanned } from '../../shared/days.ts'
import {
  approvalFigures,
  jobFigures,
  type ApprovalFacts,
  type ApprovalFigures,
  type Capacity,
  type JobFacts,
  type JobFigures,
} from './figures.ts'

/** Days `from` to `to`, both included, in the workshop's time zone. */
export interface DayRange {
  from: string
  to: string
}

/** The facts of a range of days: approvals requested on them, jobs planned on them. */
export interface Facts {
  approvals: readonly ApprovalFacts[]
  jobs: readonly (JobFacts & { day: string })[]
}

export interface Figures {
  approvals: ApprovalFigures
  jobs: JobFigures
}

export interface Summary extends DayRange, Figures {
  timeZone: string
}

export interface Daily extends DayRange {
  timeZone: string
  days: (Figures & { date: string })[]
}

/** The figures of the whole range: percentiles over all its approvals, utilisation over all its days. */
export function summarise(range: DayRange, facts: Facts, capacity: Capacity, timeZone: string): Summary {
  return {
    ...range,
    timeZone,
    approvals: approvalFigures(facts.approvals),
    jobs: jobFigures(facts.jobs, daysSpanned(range.from, range.to), capacity),
  }
}

/**
 * The figures of each day of the range, every day present (a day without events has zeros and nulls):
 * an approval counts on the day it was requested, in `timeZone`; a job on the day it is planned on.
 */
export function dayByDay(range: DayRange, facts: Facts, capacity: Capacity, timeZone: string): Daily {
  const approvalsOn = groupBy(facts.approvals, (a) => dayOf(new Date(a.requestedAt), timeZone))
  const jobsOn = groupBy(facts.jobs, (job) => job.day)
  return {
    ...range,
    timeZone,
    days: daysFrom(range.from, range.to).map((date) => ({
      date,
      approvals: approvalFigures(approvalsOn.get(date) ?? []),
      jobs: jobFigures(jobsOn.get(date) ?? [], 1, capacity),
    })),
  }
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const key = keyOf(item)
    const group = groups.get(key)
    if (group) group.push(item)
    else groups.set(key, [item])
  }
  return groups
}
