import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export {
  consumerGaps,
  consumerPositions,
  inbox,
  kernelMeta,
  kernelRequests,
  outbox,
} from '../../shared/db/kernel-schema.ts'

// Every table but `messages` is a read model of the repairs and notifications streams: each event sets
// only the columns it knows, by an upsert, so the tables come out the same whatever order the events
// arrive in, and however many consumers of the group apply them.

/**
 * One conversation per repair. Known (listed, shown, written to) once its `RepairStarted` is applied,
 * which gives the customer and the mechanic; events of the repair that arrive before it are kept and
 * appear then. `completedAt` closes it.
 */
export const conversations = sqliteTable(
  'conversations',
  {
    repairId: text('repair_id').primaryKey(),
    customerId: text('customer_id'),
    /** `staff:<email>`, as the envelope of `RepairStarted` names who started the repair. */
    mechanic: text('mechanic'),
    licenseNumber: text('license_number'),
    startedAt: text('started_at'),
    completedAt: text('completed_at'),
  },
  (t) => [index('conversations_by_start').on(t.startedAt, t.repairId)],
)

/**
 * The customer's approvals asked for, and their answers. A proposal asked for and not answered makes its
 * conversation wait; an answer that arrives before its question leaves nothing to wait for when the
 * question comes.
 */
export const proposals = sqliteTable(
  'proposals',
  {
    repairId: text('repair_id').notNull(),
    proposalId: text('proposal_id').notNull(),
    requestedAt: text('requested_at'),
    expiresAt: text('expires_at'),
    answeredAt: text('answered_at'),
    /** `approved`, `rejected` or `expired`. */
    answer: text('answer'),
  },
  (t) => [primaryKey({ columns: [t.repairId, t.proposalId] })],
)

/** What was said in a conversation, one row per event, shown in order of `occurredAt` then `eventId`. */
export const entries = sqliteTable(
  'entries',
  {
    eventId: text('event_id').primaryKey(),
    repairId: text('repair_id').notNull(),
    occurredAt: text('occurred_at').notNull(),
    kind: text('kind').notNull(),
    /** `mechanic`, `customer` or `notifications`: whose turn in the conversation it is. */
    who: text('who').notNull(),
    /** The envelope's actor: who exactly (`staff:<email>`, `customer:<id>`, a service). */
    actor: text('actor').notNull(),
    text: text('text').notNull(),
    /** JSON: what a client shows beside the text (a price breakdown, a reason, a recipient). */
    details: text('details').notNull(),
    /** The notification the entry is, for the entries of `NotificationSent`. */
    notificationId: text('notification_id'),
  },
  (t) => [
    index('entries_by_repair').on(t.repairId, t.occurredAt, t.eventId),
    index('entries_by_notification').on(t.notificationId),
  ],
)

/**
 * The first read of each notification of a repair, kept apart from its entry: a `NotificationRead` may
 * be applied before its `NotificationSent`, and the two meet when the conversation is read.
 */
export const notificationReads = sqliteTable('notification_reads', {
  notificationId: text('notification_id').primaryKey(),
  readAt: text('read_at').notNull(),
})

/**
 * What support wrote to customers: the service's own data, written with its `SupportMessageWritten`,
 * so a rebuild of the read model above leaves it as it is.
 */
export const messages = sqliteTable(
  'messages',
  {
    sequence: integer('sequence').primaryKey({ autoIncrement: true }),
    messageId: text('message_id').notNull().unique(),
    /** The id of its `SupportMessageWritten`, which orders it among the entries of the same instant. */
    eventId: text('event_id').notNull().unique(),
    repairId: text('repair_id').notNull(),
    customerId: text('customer_id').notNull(),
    /** `staff:<email>` of who wrote it. */
    author: text('author').notNull(),
    text: text('text').notNull(),
    writtenAt: text('written_at').notNull(),
  },
  (t) => [index('messages_by_repair').on(t.repairId, t.writtenAt)],
)
