import type { EventHandler } from '../../shared/consumer/consumer-group.ts'
import type { Db } from '../../shared/db/database.ts'
import type { Write } from '../../shared/db/statements.ts'
import { conversationChange, type Fact } from './conversation.ts'
import { conversations, entries, notificationReads, proposals } from './schema.ts'

/** The consumer group of support: it reads the repairs and notifications streams. */
export const SUPPORT_GROUP = 'support'

/**
 * Keeps the conversations: each event becomes its entry and the fact it brings. Nothing is read before
 * writing, and every write is an upsert of the columns the event knows, so events of one batch, events
 * out of order (a read before its notification, an answer before its question, anything before the
 * repair's start) and several consumers of the group all give the same rows. An event applied twice (a
 * rebuild) finds its entry there already.
 */
export function supportConsumer(db: Db): EventHandler {
  return function handle(envelope) {
    const change = conversationChange(envelope)
    if (!change) return []
    const { repairId, entry, fact } = change
    const writes: Write[] = []
    if (entry) {
      const { details, ...rest } = entry
      writes.push(
        db
          .insert(entries)
          .values({
            ...rest,
            eventId: envelope.id,
            repairId,
            occurredAt: envelope.occurredAt,
            actor: envelope.actor,
            details: JSON.stringify(details),
          })
          .onConflictDoNothing(),
      )
    }
    if (fact) writes.push(factWrite(db, repairId, fact))
    return writes
  }
}

function factWrite(db: Db, repairId: string, fact: Fact): Write {
  switch (fact.type) {
    case 'started': {
      const { type: _, ...set } = fact
      return db
        .insert(conversations)
        .values({ repairId, ...set })
        .onConflictDoUpdate({ target: conversations.repairId, set })
    }
    case 'completed': {
      const set = { completedAt: fact.completedAt }
      return db
        .insert(conversations)
        .values({ repairId, ...set })
        .onConflictDoUpdate({ target: conversations.repairId, set })
    }
    case 'asked': {
      const { proposalId, requestedAt, expiresAt } = fact
      return db
        .insert(proposals)
        .values({ repairId, proposalId, requestedAt, expiresAt })
        .onConflictDoUpdate({
          target: [proposals.repairId, proposals.proposalId],
          set: { requestedAt, expiresAt },
        })
    }
    case 'answered': {
      const { proposalId, answer, answeredAt } = fact
      return db
        .insert(proposals)
        .values({ repairId, proposalId, answer, answeredAt })
        .onConflictDoUpdate({
          target: [proposals.repairId, proposals.proposalId],
          set: { answer, answeredAt },
        })
    }
    case 'read':
      // The first read counts; the notifications service sends one `NotificationRead` per notification.
      return db
        .insert(notificationReads)
        .values({ notificationId: fact.notificationId, readAt: fact.readAt })
        .onConflictDoNothing()
  }
}
