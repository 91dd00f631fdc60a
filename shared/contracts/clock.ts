import * as v from 'valibot'
import { eventContract, type DomainEvent } from './envelope.ts'
import { Timestamp } from './timestamp.ts'
import { PlanningDate } from './workshop.ts'

/** Body of `POST /api/clock/advance` (`CLOCK=manual` only): the time to move the whole system to. */
export const AdvanceClockBody = v.object({ to: Timestamp })

/**
 * A calendar day in `WORKSHOP_TZ` has ended: published once per day, right after its midnight (or, after
 * downtime, as soon as the clock runs again, one per day in order). `date` is the day that ended.
 */
export const DayHasPassed = eventContract('DayHasPassed', 1, v.object({ date: PlanningDate }))
export type DayHasPassed = DomainEvent<typeof DayHasPassed>
