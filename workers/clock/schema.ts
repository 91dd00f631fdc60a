import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export { kernelMeta, outbox } from '../../shared/db/kernel-schema.ts'

/** The clock's one row (`id` 1), made at its first start. */
export const clockState = sqliteTable('clock_state', {
  id: integer('id').primaryKey(),
  /** The day the clock started on: no day before it passes (nor does it, until its midnight). */
  startedOn: text('started_on').notNull(),
  /** With `CLOCK=manual`: the time standing still, canonical UTC; set at the first manual start. */
  manualNow: text('manual_now'),
})

/**
 * Every day that has passed, recorded in the batch of its `DayHasPassed`: the primary key lets one
 * process only (of several on this database, or one restarted) record a day, and so announce it.
 */
export const daysPassed = sqliteTable('days_passed', {
  date: text('date').primaryKey(),
  /** The clock's time when it was recorded: its midnight, or later after downtime. */
  recordedAt: text('recorded_at').notNull(),
})
