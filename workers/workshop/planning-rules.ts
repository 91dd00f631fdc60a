import { TZDate } from '@date-fns/tz'
import { RuleViolation } from '../../shared/errors.ts'
import type { Job } from './events.ts'

interface Slot {
  startTime: string
  endTime: string
}

const ms = (time: string) => Date.parse(time)

/** Slots are half-open, [start, end): two that only touch do not overlap. */
export const overlaps = (a: Slot, b: Slot) =>
  ms(a.startTime) < ms(b.endTime) && ms(b.startTime) < ms(a.endTime)

export function startBeforeEnd(slot: Slot): void {
  if (ms(slot.startTime) >= ms(slot.endTime))
    throw new RuleViolation('start-before-end', 'A job must start before it ends')
}

/** The job lies within the planning's day, from its midnight to the next, in the workshop's time zone. */
export function withinPlanningDay(date: string, slot: Slot, timeZone: string): void {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  const dayStart = new TZDate(year, month - 1, day, timeZone).getTime()
  const dayEnd = new TZDate(year, month - 1, day + 1, timeZone).getTime()
  if (ms(slot.startTime) < dayStart || ms(slot.endTime) > dayEnd) {
    throw new RuleViolation('job-within-planning-day', `A job must lie within ${date} (${timeZone})`)
  }
}

export function jobIdUnique(jobs: Job[], jobId: string): void {
  if (jobs.some((job) => job.jobId === jobId))
    throw new RuleViolation('job-id-unique', `Job ${jobId} already exists`)
}

export function vehicleNotDoubleBooked(jobs: Job[], slot: Slot & { licenseNumber: string }): void {
  if (jobs.some((job) => job.vehicle.licenseNumber === slot.licenseNumber && overlaps(job, slot))) {
    throw new RuleViolation(
      'vehicle-not-double-booked',
      `${slot.licenseNumber} already has a job at that time`,
    )
  }
}

/** Counts, at the busiest moment of the new slot, the jobs already running; the new one must still fit. */
export function workstationAvailable(jobs: Job[], slot: Slot, workstations: number): void {
  const changes = jobs
    .filter((job) => overlaps(job, slot))
    .flatMap((job) => [
      { at: Math.max(ms(job.startTime), ms(slot.startTime)), delta: 1 },
      { at: Math.min(ms(job.endTime), ms(slot.endTime)), delta: -1 },
    ])
    // A job ending when another starts frees its workstation first.
    .sort((a, b) => a.at - b.at || a.delta - b.delta)
  let running = 0
  for (const { delta } of changes) {
    running += delta
    if (running + 1 > workstations) {
      throw new RuleViolation(
        'max-overlapping-jobs',
        `All ${workstations} workstations are taken at that time`,
      )
    }
  }
}

export function notYetFinished(job: Job): void {
  if (job.status === 'finished')
    throw new RuleViolation('job-already-finished', `Job ${job.jobId} is already finished`)
}
