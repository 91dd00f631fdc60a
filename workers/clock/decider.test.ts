import { describe, it } from 'vitest'
import type { DayHasPassed } from '../../shared/contracts/index.ts'
import { InvalidInput } from '../../shared/errors.ts'
import { deciderSpec } from '../../shared/testing/decider-spec.ts'
import { decide, evolve, type ClockCommand, type ClockState } from './decider.ts'

/** The clock in `timeZone`, started on `startedOn` (the day in progress before any has passed). */
const clockIn = (timeZone: string, startedOn: string) =>
  deciderSpec<ClockCommand, DayHasPassed, ClockState>({
    decide: (command, state) => decide(command, state, timeZone),
    evolve,
    initialState: () => ({ today: startedOn }),
  })

const passed = (...dates: string[]): DayHasPassed[] =>
  dates.map((date) => ({ type: 'DayHasPassed', data: { date } }))
const noteTime = (now: string): ClockCommand => ({ type: 'NoteTime', data: { now } })
const advance = (now: string, to: string): ClockCommand => ({ type: 'AdvanceClock', data: { now, to } })

describe('a clock in Europe/Amsterdam (UTC+1 in winter) on 2026-12-01', () => {
  const amsterdam = clockIn('Europe/Amsterdam', '2026-12-01')

  it('announces nothing until the day is over: 23:59:59.999 there is 22:59:59.999Z', () => {
    amsterdam.given([]).when(noteTime('2026-12-01T22:59:59.999Z')).then([])
  })

  it('announces the day at its midnight there, while it is still 2026-12-01 in UTC', () => {
    amsterdam.given([]).when(noteTime('2026-12-01T23:00:00.000Z')).then(passed('2026-12-01'))
    amsterdam.given([]).when(noteTime('2026-12-01T23:30:00.000Z')).then(passed('2026-12-01'))
  })

  it('announces a day once: after DayHasPassed, the rest of the next day brings nothing', () => {
    amsterdam.given(passed('2026-12-01')).when(noteTime('2026-12-02T10:00:00.000Z')).then([])
  })

  it('catches up the days that ended while it was down, in order, from the day after the last one', () => {
    amsterdam
      .given(passed('2026-12-01'))
      .when(noteTime('2026-12-05T08:00:00.000Z'))
      .then(passed('2026-12-02', '2026-12-03', '2026-12-04'))
  })

  it('announces nothing for a time before the day in progress (a system clock behind a manual one)', () => {
    amsterdam.given(passed('2026-12-01', '2026-12-02')).when(noteTime('2026-12-01T12:00:00.000Z')).then([])
  })
})

describe('a clock in UTC on 2026-12-01', () => {
  it('at 23:30Z is still in its day, unlike one in Europe/Amsterdam', () => {
    clockIn('UTC', '2026-12-01').given([]).when(noteTime('2026-12-01T23:30:00.000Z')).then([])
  })
})

describe('a clock in Europe/Amsterdam over daylight saving time changes', () => {
  it('ends 2026-03-29, 23 hours long (clocks forward at 02:00), at 22:00Z, not 23:00Z', () => {
    const spring = clockIn('Europe/Amsterdam', '2026-03-29')
    spring.given([]).when(noteTime('2026-03-29T21:59:59.999Z')).then([])
    spring.given([]).when(noteTime('2026-03-29T22:00:00.000Z')).then(passed('2026-03-29'))
  })

  it('ends 2026-10-25, 25 hours long (clocks back at 03:00), at 23:00Z, not 22:00Z', () => {
    const autumn = clockIn('Europe/Amsterdam', '2026-10-25')
    autumn.given([]).when(noteTime('2026-10-25T22:00:00.000Z')).then([])
    autumn.given([]).when(noteTime('2026-10-25T22:59:59.999Z')).then([])
    autumn.given([]).when(noteTime('2026-10-25T23:00:00.000Z')).then(passed('2026-10-25'))
  })
})

describe('a clock in America/Santiago, where 2026-09-06 begins at 01:00 (midnight is skipped)', () => {
  it('ends 2026-09-05 when 2026-09-06 begins, at 04:00Z', () => {
    const santiago = clockIn('America/Santiago', '2026-09-05')
    santiago.given([]).when(noteTime('2026-09-06T03:59:59.999Z')).then([])
    santiago.given([]).when(noteTime('2026-09-06T04:00:00.000Z')).then(passed('2026-09-05'))
  })
})

describe('a manual clock in Europe/Amsterdam standing at 2026-12-01T10:00:00.000Z', () => {
  const now = '2026-12-01T10:00:00.000Z'
  const amsterdam = clockIn('Europe/Amsterdam', '2026-12-01')

  it('announces every midnight it is advanced over, in order', () => {
    amsterdam
      .given([])
      .when(advance(now, '2026-12-04T10:00:00.000Z'))
      .then(passed('2026-12-01', '2026-12-02', '2026-12-03'))
  })

  it('announces the day when advanced to exactly its midnight, and not a millisecond before', () => {
    amsterdam.given([]).when(advance(now, '2026-12-01T23:00:00.000Z')).then(passed('2026-12-01'))
    amsterdam.given([]).when(advance(now, '2026-12-01T22:59:59.999Z')).then([])
  })

  it('takes its own time as a no-op', () => {
    amsterdam.given([]).when(advance(now, now)).then([])
  })

  it('refuses to go back, even by a millisecond, as bad input', () => {
    amsterdam.given([]).when(advance(now, '2026-12-01T09:59:59.999Z')).thenThrows(InvalidInput)
  })

  it('moves on by 366 days at most in one advance, and refuses a millisecond more as bad input', () => {
    const days = Array.from({ length: 366 }, (_, i) =>
      new Date(Date.UTC(2026, 11, 1 + i)).toISOString().slice(0, 10),
    )
    amsterdam
      .given([])
      .when(advance(now, '2027-12-02T10:00:00.000Z'))
      .then(passed(...days))
    amsterdam.given([]).when(advance(now, '2027-12-02T10:00:00.001Z')).thenThrows(InvalidInput)
  })
})
