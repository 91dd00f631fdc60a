import { and, asc, eq, isNotNull, isNull, sql, type AnyColumn, type SQL } from 'drizzle-orm'
import type { Db } from '../../shared/db/database.ts'
import type { ConversationStatus } from './conversation.ts'
import { conversations, entries, messages, notificationReads, proposals } from './schema.ts'

/**
 * The first of the repair's proposals asked for and not answered: what the customer owes an answer to.
 * Written out in SQL: drizzle leaves the table off a column in a single-table select, which would turn
 * the correlation into `repair_id = repair_id` inside the subquery.
 */
const awaited = <T>(column: AnyColumn) =>
  sql<T>`(select ${sql.raw(`p."${column.name}"`)} from ${proposals} p
    where p."${sql.raw(proposals.repairId.name)}" = "conversations"."${sql.raw(conversations.repairId.name)}"
      and p."${sql.raw(proposals.requestedAt.name)}" is not null
      and p."${sql.raw(proposals.answeredAt.name)}" is null
    order by p."${sql.raw(proposals.requestedAt.name)}", p."${sql.raw(proposals.proposalId.name)}" limit 1)`

const waitingSince = awaited<string | null>(proposals.requestedAt)

const summaryColumns = {
  repairId: conversations.repairId,
  customerId: conversations.customerId,
  mechanic: conversations.mechanic,
  licenseNumber: conversations.licenseNumber,
  startedAt: conversations.startedAt,
  completedAt: conversations.completedAt,
  waitingSince,
  awaitedProposalId: awaited<string | null>(proposals.proposalId),
  expiresAt: awaited<string | null>(proposals.expiresAt),
}

/** A conversation's row, with the proposal it waits on if it waits. */
export type ConversationRow = {
  repairId: string
  customerId: string
  mechanic: string
  licenseNumber: string
  startedAt: string
  completedAt: string | null
  waitingSince: string | null
  awaitedProposalId: string | null
  expiresAt: string | null
}

const byStatus: Record<ConversationStatus, SQL | undefined> = {
  closed: isNotNull(conversations.completedAt),
  waiting: and(isNull(conversations.completedAt), sql`${waitingSince} is not null`),
  open: and(isNull(conversations.completedAt), sql`${waitingSince} is null`),
}

// Only conversations whose `RepairStarted` is applied are known: before it there is no customer.
const known = isNotNull(conversations.startedAt)

/**
 * Conversations of one status, or all: those waiting the longest wait first, the others in the order
 * their repairs started.
 */
export async function listConversations(
  db: Db,
  { status, limit, offset }: { status?: ConversationStatus; limit: number; offset: number },
): Promise<ConversationRow[]> {
  const rows = await db
    .select(summaryColumns)
    .from(conversations)
    .where(and(known, status && byStatus[status]))
    .orderBy(
      ...(status === 'waiting' ? [asc(waitingSince)] : []),
      asc(conversations.startedAt),
      asc(conversations.repairId),
    )
    .limit(limit)
    .offset(offset)
  return rows as ConversationRow[]
}

/** The conversation of a repair, if its start is known. */
export async function findConversation(db: Db, repairId: string): Promise<ConversationRow | undefined> {
  const [row] = await db
    .select(summaryColumns)
    .from(conversations)
    .where(and(known, eq(conversations.repairId, repairId)))
  return row as ConversationRow | undefined
}

/** One line of a conversation as stored: an event's entry (with its notification's first read) or a message. */
export interface EntryRow {
  eventId: string
  occurredAt: string
  kind: string
  who: string
  actor: string
  text: string
  details: string
  notificationId: string | null
  readAt: string | null
}

/**
 * Everything said in a repair's conversation, in order of when it happened, the event id breaking ties
 * (UUIDv7: in the order they were made): events arrive in the order of their streams, not of each other.
 */
export async function conversationEntries(db: Db, repairId: string): Promise<EntryRow[]> {
  const [told, written] = await Promise.all([
    db
      .select({
        eventId: entries.eventId,
        occurredAt: entries.occurredAt,
        kind: entries.kind,
        who: entries.who,
        actor: entries.actor,
        text: entries.text,
        details: entries.details,
        notificationId: entries.notificationId,
        readAt: notificationReads.readAt,
      })
      .from(entries)
      .leftJoin(notificationReads, eq(notificationReads.notificationId, entries.notificationId))
      .where(eq(entries.repairId, repairId)),
    db.select().from(messages).where(eq(messages.repairId, repairId)),
  ])
  const all: EntryRow[] = [...told, ...written.map(messageEntry)]
  return all.sort((a, b) =>
    a.occurredAt !== b.occurredAt
      ? Date.parse(a.occurredAt) - Date.parse(b.occurredAt)
      : a.eventId < b.eventId
        ? -1
        : a.eventId > b.eventId
          ? 1
          : 0,
  )
}

/** A message support wrote, as a line of its conversation. */
export const messageEntry = (m: typeof messages.$inferInsert): EntryRow => ({
  eventId: m.eventId,
  occurredAt: m.writtenAt,
  kind: 'support-message',
  who: 'support',
  actor: m.author,
  text: m.text,
  details: JSON.stringify({ messageId: m.messageId }),
  notificationId: null,
  readAt: null,
})
