import { sql } from 'drizzle-orm'
import { ManualClock, type Clock } from '../../shared/clock.ts'
import type { EventMetadata } from '../../shared/contracts/index.ts'
import { isUniqueViolation } from '../../shared/db/database.ts'
import { compileInsert, placeholders, type Write } from '../../shared/db/statements.ts'
import { toEnvelopes } from '../../shared/envelope.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { dayAfter, dayOf, startOfDay } from '../../shared/days.ts'
import { decide, type ClockCommand, type ClockState } from './decider.ts'
import { clockState, daysPassed } from './schema.ts'
import type { ClockSettings } from './settings.ts'

/** What `GET /api/clock` answers. */
export interface ClockView {
  now: string
  mode: 'manual' | 'system'
  timeZone: string
}

interface Stored {
  state: ClockState
  /** The manual time, with `CLOCK=manual`. */
  manualNow: string | undefined
}

/**
 * The clock service's calendar: which days have passed in `WORKSHOP_TZ`, recorded in its database with
 * their `DayHasPassed` in one batch (so of several processes on the database, or a restarted one, only
 * one announces a day), and with `CLOCK=manual` the time standing still, which it shares with every
 * other process through the manual clock.
 */
export function clockCalendar({ db, outbox, clock, newId, settings }: ServiceDeps<ClockSettings>) {
  const timeZone = settings.WORKSHOP_TZ
  const manual = clock instanceof ManualClock ? clock : undefined
  const mode: ClockView['mode'] = manual ? 'manual' : 'system'
  const insertDays = compileInsert<typeof daysPassed.$inferInsert>(
    db.insert(daysPassed).values(placeholders(daysPassed)),
  )
  // The day in progress as last stored: while it lasts, a tick has nothing to look up.
  let today: string | undefined

  /** The stored state, made at the first start: the day it started on, the manual time (the clock's). */
  async function load(): Promise<Stored> {
    const now = clock.now()
    await db
      .insert(clockState)
      .values({ id: 1, startedOn: dayOf(now, timeZone), manualNow: manual ? now.toISOString() : null })
      // The first manual start keeps the time it started at (the system's); a system start sets none.
      .onConflictDoUpdate({
        target: clockState.id,
        set: { manualNow: sql`coalesce(${clockState.manualNow}, excluded.manual_now)` },
      })
    const [row] = await db
      .select({
        startedOn: clockState.startedOn,
        manualNow: clockState.manualNow,
        lastPassed: sql<string | null>`(select max(${daysPassed.date}) from ${daysPassed})`,
      })
      .from(clockState)
    const { startedOn, manualNow, lastPassed } = row!
    today = lastPassed && dayAfter(lastPassed) > startedOn ? dayAfter(lastPassed) : startedOn
    return { state: { today }, manualNow: manualNow ?? undefined }
  }

  /** With a manual clock: this process's clock at the stored time, shared again with the others. */
  async function loadTime(): Promise<Stored> {
    const stored = await load()
    if (manual && stored.manualNow) await manual.advanceTo(new Date(stored.manualNow))
    return stored
  }
  let loaded = false
  /**
   * The stored time, taken before the first request that needs it. Requests that arrive before any
   * has loaded it each load it themselves (it only moves the clock on): on workerd one request may not
   * wait on I/O another started, and one cancelled would leave the others waiting for good.
   */
  async function ready(): Promise<void> {
    if (loaded) return
    await loadTime()
    loaded = true
  }

  /**
   * Decides on the stored state and commits the days that passed with their events (and a manual time
   * moved on) in one batch. When another process recorded one of those days first, decides again.
   * @returns the days that passed, in order.
   */
  async function record(command: (stored: Stored) => ClockCommand, metadata: EventMetadata) {
    for (let attempt = 1; ; attempt++) {
      const stored = await load()
      const current = command(stored)
      const passed = decide(current, stored.state, timeZone)
      const at = current.type === 'NoteTime' ? current.data.now : current.data.to
      const writes: Write[] = []
      if (passed.length > 0)
        writes.push(insertDays(passed.map(({ data }) => ({ date: data.date, recordedAt: at }))))
      // Never back: of two advances at once, the later time stays.
      if (current.type === 'AdvanceClock' && at !== current.data.now)
        writes.push(db.update(clockState).set({ manualNow: sql`max(${clockState.manualNow}, ${at})` }))
      if (writes.length === 0) return []
      // Each day its own stream, at its midnight: when the day passed, also when announced later.
      const events = passed.flatMap((event) =>
        toEnvelopes([event], {
          stream: event.data.date,
          after: 0,
          metadata,
          clock: fixed(midnightAfter(event.data.date)),
          newId,
        }),
      )
      try {
        await outbox.commit(writes, events)
        if (passed.length > 0) today = dayAfter(passed.at(-1)!.data.date)
        return passed.map(({ data }) => data.date)
      } catch (error) {
        if (attempt === 5 || !isUniqueViolation(error, 'days_passed.date')) throw error
      }
    }
  }

  const midnightAfter = (date: string) => startOfDay(dayAfter(date), timeZone)

  return {
    async view(): Promise<ClockView> {
      if (manual) await ready()
      return { now: clock.now().toISOString(), mode, timeZone }
    },

    /** Only a manual clock is advanced. */
    mode,

    /**
     * Moves the manual clock to `to`, recording each day that passes on the way; `to` before the clock's
     * time is refused as bad input, the clock's time itself changes nothing. Every service here sees
     * the new time at once, the other processes at their next request (or tick).
     * @returns the days that passed, in order.
     */
    async advance(to: string, metadata: EventMetadata): Promise<string[]> {
      if (!manual) throw new Error('Only a manual clock is advanced')
      await ready()
      const passed = await record(
        ({ manualNow }) => ({ type: 'AdvanceClock', data: { now: manualNow!, to } }),
        metadata,
      )
      await manual.advanceTo(new Date(to))
      return passed
    },

    /**
     * Records the days that ended by the clock's time, also after downtime; a manual clock takes the stored
     * time first and shares it again (in case Redis lost it).
     * @returns when it is due again: the next midnight in `WORKSHOP_TZ`.
     */
    async tick(): Promise<Date> {
      if (manual) await loadTime()
      const now = clock.now()
      if (dayOf(now, timeZone) !== today) {
        const id = newId()
        await record(() => ({ type: 'NoteTime', data: { now: now.toISOString() } }), {
          correlationId: id,
          causationId: id,
          actor: 'clock',
        })
      }
      return midnightAfter(dayOf(now, timeZone))
    },
  }
}

const fixed = (instant: Date): Clock => ({ now: () => instant })
