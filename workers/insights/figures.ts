// The manager's figures, computed when asked from the facts the consumer keeps. Pure: no I/O, no clock.

export type Outcome = 'approved' | 'rejected' | 'expired'

/** What is known of one approval that was requested (the rows without `requestedAt` count nowhere yet). */
export interface ApprovalFacts {
  requestedAt: string
  decidedAt: string | null
  outcome: Outcome | null
  firstReadAt: string | null
}

/** What is known of one job: its planned slot, its actual one once finished (either may be unknown yet). */
export interface JobFacts {
  plannedStart: string | null
  plannedEnd: string | null
  actualStart: string | null
  actualEnd: string | null
}

/** What a day offers: every workstation for the hours of a workday. */
export interface Capacity {
  workstations: number
  workdayHours: number
}

/** A spread of durations: the median and the 90th percentile, null when there are none. */
export interface Spread {
  p50: number | null
  p90: number | null
}

export interface ApprovalFigures {
  requested: number
  approved: number
  rejected: number
  expired: number
  approvalRate: number | null
  approvalTimeSeconds: Spread
  reactionTimeSeconds: Spread
}

export interface JobFigures {
  planned: number
  finished: number
  averagePlannedMinutes: number | null
  averageActualMinutes: number | null
  bookedMinutes: number
  capacityMinutes: number
  utilisation: number | null
}

/**
 * The `p`th percentile of `values` by the nearest-rank method: the smallest value that at least `p`
 * percent of the values are less than or equal to, i.e. the value at rank ⌈p/100 × n⌉ (1-based) when
 * sorted. Always one of the values, never interpolated; null for none.
 *
 * @example
 * percentile([4, 1, 3, 2], 50) // 2
 */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[rank - 1]!
}

const spread = (values: readonly number[]): Spread => ({
  p50: percentile(values, 50),
  p90: percentile(values, 90),
})

/** `part / whole`, null when the whole is nothing (no decisions: no rate, rather than 0 or NaN). */
export const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole)

export const average = (values: readonly number[]): number | null =>
  values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length

const round = (value: number | null, decimals: number) =>
  value === null ? null : Math.round(value * 10 ** decimals) / 10 ** decimals

/**
 * From `from` to `to`, in milliseconds. Services stamp events by their own clocks, which may differ by a
 * moment: a read or answer stamped before its request took no time, rather than less than none.
 */
const elapsed = (from: string, to: string) => Math.max(0, Date.parse(to) - Date.parse(from))
const seconds = (ms: number) => ms / 1000
const minutes = (ms: number) => ms / 60_000

/**
 * Approvals requested (on the days asked about) and what became of them. The rate is approved over
 * decided, decided being approved, rejected or expired (an approval nobody answered in time was not
 * given); those still open count in neither. Approval time runs from the request to the customer's
 * answer, approved or rejected (an expiry is no answer: it would only measure the expiry period).
 * Reaction time runs from the request to the customer's first read of the notification asking for it.
 */
export function approvalFigures(approvals: readonly ApprovalFacts[]): ApprovalFigures {
  const count = (outcome: Outcome) => approvals.filter((a) => a.outcome === outcome).length
  const [approved, rejected, expired] = [count('approved'), count('rejected'), count('expired')]
  const answerTimes = approvals.flatMap((a) =>
    (a.outcome === 'approved' || a.outcome === 'rejected') && a.decidedAt !== null
      ? [seconds(elapsed(a.requestedAt, a.decidedAt))]
      : [],
  )
  const readTimes = approvals.flatMap((a) =>
    a.firstReadAt === null ? [] : [seconds(elapsed(a.requestedAt, a.firstReadAt))],
  )
  return {
    requested: approvals.length,
    approved,
    rejected,
    expired,
    approvalRate: round(ratio(approved, approved + rejected + expired), 4),
    approvalTimeSeconds: spread(answerTimes),
    reactionTimeSeconds: spread(readTimes),
  }
}

type Slot = { start: string; end: string }
const plannedSlot = (job: JobFacts): Slot | undefined =>
  job.plannedStart !== null && job.plannedEnd !== null
    ? { start: job.plannedStart, end: job.plannedEnd }
    : undefined
const actualSlot = (job: JobFacts): Slot | undefined =>
  job.actualStart !== null && job.actualEnd !== null
    ? { start: job.actualStart, end: job.actualEnd }
    : undefined
const lengthOf = (slot: Slot) => elapsed(slot.start, slot.end)

/**
 * Jobs planned on `days` days and how they went. The average durations are over the finished jobs whose
 * plan is known, the same jobs for both, so planned and actual compare like with like. Utilisation is
 * the planned (booked) time of the jobs over what the workstations offer on those days: a fraction,
 * above 1 when more was booked than the workdays hold.
 */
export function jobFigures(jobs: readonly JobFacts[], days: number, capacity: Capacity): JobFigures {
  const planned = jobs.flatMap((job) => plannedSlot(job) ?? [])
  const compared = jobs.flatMap((job) => {
    const [plan, actual] = [plannedSlot(job), actualSlot(job)]
    return plan && actual ? [{ plan, actual }] : []
  })
  const bookedMs = planned.reduce((sum, slot) => sum + lengthOf(slot), 0)
  const capacityMinutes = days * capacity.workstations * capacity.workdayHours * 60
  return {
    planned: planned.length,
    finished: jobs.filter((job) => actualSlot(job) !== undefined).length,
    averagePlannedMinutes: round(average(compared.map(({ plan }) => minutes(lengthOf(plan)))), 2),
    averageActualMinutes: round(average(compared.map(({ actual }) => minutes(lengthOf(actual)))), 2),
    bookedMinutes: round(minutes(bookedMs), 2)!,
    capacityMinutes,
    utilisation: round(ratio(minutes(bookedMs), capacityMinutes), 4),
  }
}
