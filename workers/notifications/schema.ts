import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

export {
  consumerGaps,
  consumerPositions,
  inbox,
  kernelMeta,
  kernelRequests,
  outbox,
} from '../../shared/db/kernel-schema.ts'

/**
 * Every notification delivered, in the order it was: `sequence` only grows (AUTOINCREMENT never hands
 * out a number twice, and SQLite commits one writer at a time), so it is the id of a live stream's
 * events, and a stream resumed after `sequence` n misses nothing and repeats nothing. One per event
 * and recipient: a second consumer applying the same event is refused by the index.
 */
export const notifications = sqliteTable(
  'notifications',
  {
    sequence: integer('sequence').primaryKey({ autoIncrement: true }),
    notificationId: text('notification_id').notNull().unique(),
    recipient: text('recipient').notNull(),
    kind: text('kind').notNull(),
    causeId: text('cause_id').notNull(),
    repairId: text('repair_id'),
    proposalId: text('proposal_id'),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    /** JSON: what a client shows beside the text (a price breakdown, the actions it offers). */
    details: text('details').notNull(),
    sentAt: text('sent_at').notNull(),
    readAt: text('read_at'),
  },
  (t) => [
    uniqueIndex('notifications_one_per_event_and_recipient').on(t.causeId, t.recipient),
    index('notifications_by_recipient').on(t.recipient, t.sequence),
    index('notifications_by_repair').on(t.repairId, t.sequence),
  ],
)

/**
 * The first read of each notification. Its key makes two first reads at once one: the second's batch
 * (row, read time, `NotificationRead`) is refused whole, so the event is recorded once.
 */
export const firstReads = sqliteTable('first_reads', {
  notificationId: text('notification_id').primaryKey(),
  readAt: text('read_at').notNull(),
})

/** Who to tell about a repair: its customer, and the mechanic who started it. From the repairs stream. */
export const repairs = sqliteTable('repairs', {
  repairId: text('repair_id').primaryKey(),
  customerId: text('customer_id').notNull(),
  /** `staff:<email>`, as the envelope of `RepairStarted` names who started it. */
  mechanic: text('mechanic').notNull(),
  licenseNumber: text('license_number').notNull(),
})

/** Where customers are written to by e-mail, from the customers stream. */
export const customers = sqliteTable('customers', {
  customerId: text('customer_id').primaryKey(),
  name: text('name').notNull(),
  emailAddress: text('email_address').notNull(),
})

/**
 * E-mails to send, written with the notification they carry, sent apart from the consumer and tried
 * again until the SMTP server takes them. The address is looked up when sending: the customer's
 * registration may be applied after the notification.
 */
export const mails = sqliteTable(
  'mails',
  {
    notificationId: text('notification_id').primaryKey(),
    customerId: text('customer_id').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: text('next_attempt_at').notNull(),
    sentAt: text('sent_at'),
    lastError: text('last_error'),
  },
  (t) => [index('mails_due').on(t.sentAt, t.nextAttemptAt)],
)
