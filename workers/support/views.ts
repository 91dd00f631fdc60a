import { secondsBetween, statusOf } from './conversation.ts'
import type { ConversationRow, EntryRow } from './queries.ts'

/**
 * A conversation as the API lists it: its repair, customer and mechanic, its status and, while the
 * customer has an approval to give, since when, for how many seconds by `now`, and until when.
 */
export function conversationView(row: ConversationRow, now: Date) {
  const { waitingSince, awaitedProposalId, expiresAt, ...facts } = row
  const status = statusOf(row)
  const waiting = status === 'waiting' && waitingSince !== null
  return {
    ...facts,
    status,
    waitingSince: waiting ? waitingSince : null,
    waitingSeconds: waiting ? secondsBetween(waitingSince, now) : null,
    waitingFor: waiting ? { proposalId: awaitedProposalId, expiresAt } : null,
  }
}

/** One line of a conversation; a notification says when its recipient first read it (`readAt`, or null). */
export const entryView = ({ details, notificationId, readAt, ...entry }: EntryRow) => ({
  ...entry,
  details: JSON.parse(details) as Record<string, unknown>,
  ...(notificationId !== null && { notificationId, readAt }),
})
