import type { DayHasPassed } from '../../shared/contracts/index.ts'
import { InvalidInput } from '../../shared/errors.ts'
import { dayAfter, dayOf } from '../../shared/days.ts'

/** What the clock knows: the day in progress. Every day before it has passed, and was announced. */
export interface ClockState {
  today: string
}

/** The clock looks at the time (each tick). */
export type NoteTime = { type: 'NoteTime'; data: { now: string } }
/** The manual clock is moved from `now` to `to` (`POST /api/clock/advance`). */
export type AdvanceClock = { type: 'AdvanceClock'; data: { now: string; to: string } }
export type ClockCommand = NoteTime | AdvanceClock

/**
 * The days that ended by the command's time, in order, each a `DayHasPassed`: none while the day in
 * progress lasts, several when the clock was down or moved on over several midnights.
 */
export function decide(command: ClockCommand, state: ClockState, timeZone: string): DayHasPassed[] {
  switch (command.type) {
    case 'NoteTime':
      return daysEndedBy(command.data.now, state, timeZone)
    case 'AdvanceClock':
      return advanceClock(command.data, state, timeZone)
    default: {
      const _exhaustive: never = command
      throw new Error(`Unknown command ${JSON.stringify(_exhaustive)}`)
    }
  }
}

export function evolve(state: ClockState, { data }: DayHasPassed): ClockState {
  const next = dayAfter(data.date)
  return next > state.today ? { today: next } : state
}

function advanceClock({ now, to }: AdvanceClock['data'], state: ClockState, timeZone: string) {
  notBackwards(now, to)
  withinAYear(now, to)
  return daysEndedBy(to, state, timeZone)
}

/** The most one advance moves the clock on: a year of days is a year of events, written at once. */
export const MAX_ADVANCE_DAYS = 366

/** Bounded, so no request makes more events than a host can hold in memory and write in one batch. */
function withinAYear(now: string, to: string): void {
  if (Date.parse(to) - Date.parse(now) > MAX_ADVANCE_DAYS * 86_400_000)
    throw new InvalidInput([
      {
        field: '/to',
        message: `must be at most ${MAX_ADVANCE_DAYS} days after the clock's time, ${now}; move it on in steps`,
      },
    ])
}

/** Time moves forward only: an earlier time is bad input (400 naming `to`), and changes nothing. */
function notBackwards(now: string, to: string): void {
  if (Date.parse(to) < Date.parse(now))
    throw new InvalidInput([{ field: '/to', message: `must not be before the clock's time, ${now}` }])
}

/** Each day from the one in progress up to the day `now` is in, which is still going on. */
function daysEndedBy(now: string, { today }: ClockState, timeZone: string): DayHasPassed[] {
  const current = dayOf(new Date(now), timeZone)
  const ended: DayHasPassed[] = []
  for (let date = today; date < current; date = dayAfter(date))
    ended.push({ type: 'DayHasPassed', data: { date } })
  return ended
}
