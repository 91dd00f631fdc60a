import { TZDate } from '@date-fns/tz'
import { LRUCache } from 'lru-cache'
import type { Job } from './events.ts'
import { refuse } from './rules.ts'

interface Slot {
  startTime: string
  endTime: string
}

interface Span {
  start: number
  end: number
}

// Every command compares its slot with every job of the day, so the same times are parsed over and
// over; looking them up by their text in a plain Map is several times cheaper (an LRU's bookkeeping
// costs about as much as parsing). Not a WeakMap keyed by job: that gives every job object a hidden
// class of its own, and reading their fields turns slow.
const parsed = new Map<string, number>()
function ms(time: string): number {
  let value = parsed.get(time)
  if (value === undefined) {
    if (parsed.size >= 100_000) parsed.clear()
    // Times are canonical UTC (contracts and evolve make them so), which Date.parse reads exactly. One it
    // cannot read would compare false with everything and pass every rule: a fault to report, not a free slot.
    value = Date.parse(time)
    if (Number.isNaN(value)) throw new Error(`Time ${JSON.stringify(time)} is not a canonical timestamp`)
    parsed.set(time, value)
  }
  return value
}
const spanOf = (slot: Slot): Span => ({ start: ms(slot.startTime), end: ms(slot.endTime) })

/** Slots are half-open, [start, end): two that only touch do not overlap. */
const overlap = (a: Span, b: Span) => a.start < b.end && b.start < a.end

export function startBeforeEnd(slot: Slot): void {
  const { start, end } = spanOf(slot)
  if (start >= end) throw refuse('start-before-end', 'A job must start before it ends')
}

// Time-zone arithmetic costs tens of µs, and the commands of a date all ask for the same day.
const days = new LRUCache<string, Span>({ max: 10_000 })
function dayIn(timeZone: string, date: string): Span {
  const key = `${timeZone} ${date}`
  let day = days.get(key)
  if (!day) {
    const [year, month, dayOfMonth] = date.split('-').map(Number) as [number, number, number]
    day = {
      start: new TZDate(year, month - 1, dayOfMonth, timeZone).getTime(),
      end: new TZDate(year, month - 1, dayOfMonth + 1, timeZone).getTime(),
    }
    days.set(key, day)
  }
  return day
}

/** The job lies within the planning's day, from its midnight to the next, in the workshop's time zone. */
export function jobWithinPlanningDay(date: string, slot: Slot, timeZone: string): void {
  const day = dayIn(timeZone, date)
  const { start, end } = spanOf(slot)
  if (start < day.start || end > day.end) {
    throw refuse('job-within-planning-day', `A job must lie within ${date} (${timeZone})`)
  }
}

export function jobIdUnique(jobs: Job[], jobId: string): void {
  if (jobs.some((job) => job.jobId === jobId)) throw refuse('job-id-unique', `Job ${jobId} already exists`)
}

export function vehicleNotDoubleBooked(jobs: Job[], slot: Slot & { licenseNumber: string }): void {
  const wanted = spanOf(slot)
  const sameVehicle = jobs.filter((job) => job.vehicle.licenseNumber === slot.licenseNumber)
  if (sameVehicle.some((job) => overlap(spanOf(job), wanted))) {
    throw refuse('vehicle-not-double-booked', `${slot.licenseNumber} already has a job at that time`)
  }
}

/** Counts, at the busiest moment of the new slot, the jobs already running; the new one must still fit. */
export function maxOverlappingJobs(jobs: Job[], slot: Slot, workstations: number): void {
  const wanted = spanOf(slot)
  const changes = jobs
    .map(spanOf)
    .filter((span) => overlap(span, wanted))
    .flatMap(({ start, end }) => [
      { at: Math.max(start, wanted.start), delta: 1 },
      { at: Math.min(end, wanted.end), delta: -1 },
    ])
    // A job ending when another starts frees its workstation first.
    .sort((a, b) => a.at - b.at || a.delta - b.delta)
  let running = 0
  for (const { delta } of changes) {
    running += delta
    if (running + 1 > workstations) {
      throw refuse('max-overlapping-jobs', `All ${workstations} workstations are taken at that time`)
    }
  }
}

export function jobAlreadyFinished(job: Job): void {
  if (job.status === 'finished') throw refuse('job-already-finished', `Job ${job.jobId} is already finished`)
}
