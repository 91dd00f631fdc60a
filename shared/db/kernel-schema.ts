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

/**
 * Facts about the database itself. `origin` is a random id made when the database was created: a copy
 * restored from a backup keeps it, another deployment's database has its own. The relay stamps it on
 * every stream entry, so it can tell its own entries from a stranger's.
 */
export const kernelMeta = sqliteTable('kernel_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})

/**
 * How far a consumer group has applied each stream it reads (the highest entry seq), written in the
 * same batch as the effects. Lives here, not only in Redis, so a flushed Redis or a restored database
 * shows what is missing.
 */
export const consumerPositions = sqliteTable(
  'consumer_positions',
  {
    consumerGroup: text('consumer_group').notNull(),
    sourceStream: text('source_stream').notNull(),
    seq: integer('seq').notNull(),
  },
  (t) => [primaryKey({ columns: [t.consumerGroup, t.sourceStream] })],
)

/**
 * Ranges of a stream a group never received (trimmed, or lost with Redis) and could not fetch from the
 * producer's outbox. Reported by `/health` until a catch-up fills them.
 */
export const consumerGaps = sqliteTable(
  'consumer_gaps',
  {
    consumerGroup: text('consumer_group').notNull(),
    sourceStream: text('source_stream').notNull(),
    fromSeq: integer('from_seq').notNull(),
    toSeq: integer('to_seq').notNull(),
    detectedAt: text('detected_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.consumerGroup, t.sourceStream, t.fromSeq] })],
)

/**
 * The first answer to each create or state change that has a key: the client's id of what it creates or
 * changes, or its `Idempotency-Key`. Written in the batch of the change itself, so a 2xx and its record
 * commit together and a retry is answered from here instead of changing anything twice (see
 * `shared/http/idempotency.ts`). `fingerprint` is a hash of the validated command, to tell an exact
 * repeat from another request under the same key. Kept, like the outbox; `recorded_at` is there for an
 * operator who wants to drop old ones.
 */
export const kernelRequests = sqliteTable('kernel_requests', {
  key: text('key').primaryKey(),
  fingerprint: text('fingerprint').notNull(),
  status: integer('status').notNull(),
  body: text('body').notNull(),
  location: text('location'),
  recordedAt: text('recorded_at').notNull(),
})
