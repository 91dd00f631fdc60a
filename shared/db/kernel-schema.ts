import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/**
 * Events waiting to be (or already) relayed to the service's stream. Rows are never deleted:
 * `seq` is the commit order and doubles as the stream entry id, so Redis can be refilled from here.
 */
export const outbox = sqliteTable('outbox', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  eventId: text('event_id').notNull().unique(),
  type: text('type').notNull(),
  envelope: text('envelope').notNull(),
})

/** Events a consumer group has applied; written in the same batch as their effect. Doubles as the event log. */
export const inbox = sqliteTable(
  'inbox',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    consumerGroup: text('consumer_group').notNull(),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    sourceStream: text('source_stream').notNull(),
    entryId: text('entry_id').notNull(),
    envelope: text('envelope').notNull(),
    appliedAt: text('applied_at').notNull(),
  },
  (t) => [uniqueIndex('inbox_group_event').on(t.consumerGroup, t.eventId)],
)

/** Event store of event-sourced aggregates: one row per event, `position` counted per aggregate. */
export const events = sqliteTable(
  'events',
  {
    streamId: text('stream_id').notNull(),
    position: integer('position').notNull(),
    eventId: text('event_id').notNull().unique(),
    type: text('type').notNull(),
    envelope: text('envelope').notNull(),
  },
  (t) => [primaryKey({ columns: [t.streamId, t.position] }), index('events_type').on(t.type)],
)

/** Latest snapshot per aggregate, so loading reads only the events after it. */
export const snapshots = sqliteTable('snapshots', {
  streamId: text('stream_id').primaryKey(),
  position: integer('position').notNull(),
  state: text('state').notNull(),
})
