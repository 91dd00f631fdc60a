import * as v from 'valibot'
import { PlanningDate } from '../../shared/contracts/index.ts'
import { InvalidInput } from '../../shared/errors.ts'
import { addDays, daysSpanned } from '../../shared/days.ts'
import type { DayRange } from './report.ts'

/** The longest range asked about: a year, leap day included. */
export const MAX_RANGE_DAYS = 366
/** The range when none is asked for: the last 30 days, today included. */
export const DEFAULT_RANGE_DAYS = 30

/** The earliest day a date may be (see `PlanningDate`): a range asked up to it starts there. */
const FIRST_DAY = '1900-01-01'
/** The last day a range may end on: the end of a day is the next day's start, and 10000-01-01 is no date. */
export const LAST_DAY = '9999-12-30'

/** `?from=&to=`: days `YYYY-MM-DD` in the workshop's time zone, both included, each optional. */
export const RangeQuery = v.object({ from: v.optional(PlanningDate), to: v.optional(PlanningDate) })

/**
 * The range a query asks for, `today` being the workshop's day now: `to` defaults to today, `from` to
 * the 30 days up to `to`. A range that runs backwards or is longer than a year is bad input, named by
 * the field to change.
 */
export function rangeOf(query: v.InferOutput<typeof RangeQuery>, today: string): DayRange {
  const to = query.to ?? today
  if (to > LAST_DAY)
    throw new InvalidInput([{ field: '/query/to', message: `must be ${LAST_DAY} or earlier` }])
  const thirtyDays = addDays(to, 1 - DEFAULT_RANGE_DAYS)
  const from = query.from ?? (thirtyDays < FIRST_DAY ? FIRST_DAY : thirtyDays)
  if (from > to)
    throw new InvalidInput([
      {
        field: query.to === undefined ? '/query/from' : '/query/to',
        message:
          query.to === undefined
            ? `must not be after to, which is today (${today}) unless given`
            : 'must not be before from',
      },
    ])
  if (daysSpanned(from, to) > MAX_RANGE_DAYS)
    throw new InvalidInput([
      { field: '/query/to', message: `must be at most ${MAX_RANGE_DAYS} days from from, both included` },
    ])
  return { from, to }
}
