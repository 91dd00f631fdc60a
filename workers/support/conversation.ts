import { formatCents, priceView, type AnyEvent, type Envelope } from '../../shared/contracts/index.ts'

/** Whose turn an entry of a conversation is. */
export type Who = 'mechanic' | 'customer' | 'support' | 'notifications'

/** One line of a conversation, as an event tells it. */
export interface Entry {
  kind: string
  who: Who
  text: string
  /** What a client shows beside the text: a price breakdown, a reason, who a notification went to. */
  details: Record<string, unknown>
  notificationId: string | null
}

/** What an event teaches about its repair's conversation, beyond its entry: what decides the status. */
export type Fact =
  | { type: 'started'; customerId: string; mechanic: string; licenseNumber: string; startedAt: string }
  | { type: 'completed'; completedAt: string }
  | { type: 'asked'; proposalId: string; requestedAt: string; expiresAt: string }
  | { type: 'answered'; proposalId: string; answer: Answer; answeredAt: string }
  | { type: 'read'; notificationId: string; readAt: string }

export type Answer = 'approved' | 'rejected' | 'expired'

/** An event's part in a conversation: the repair it belongs to, its entry and the fact it brings. */
export interface Change {
  repairId: string
  entry?: Entry
  fact?: Fact
}

export const conversationStatuses = ['waiting', 'open', 'closed'] as const
export type ConversationStatus = (typeof conversationStatuses)[number]

/**
 * The status of a conversation: `closed` once the repair is completed (even with a question left
 * unanswered: the car is done), `waiting` while the customer has an approval to give, else `open`.
 */
export const statusOf = (facts: { completedAt: string | null; waitingSince: string | null }) =>
  (facts.completedAt !== null
    ? 'closed'
    : facts.waitingSince !== null
      ? 'waiting'
      : 'open') as ConversationStatus

/** Whole seconds from `since` to `now`; never below zero when a clock is behind the event's. */
export const secondsBetween = (since: string, now: Date) =>
  Math.max(0, Math.floor((now.getTime() - Date.parse(since)) / 1000))

const entry = (kind: string, who: Who, text: string, details: Record<string, unknown> = {}): Entry => ({
  kind,
  who,
  text,
  details,
  notificationId: null,
})

/**
 * What an event of the repairs or notifications stream adds to a conversation; undefined for events
 * that belong to none (a notification about no repair, another service's events). Pure: the consumer
 * turns it into writes.
 *
 * @example
 * conversationChange(repairRejectedEnvelope)
 * // { repairId: 'r-1', entry: { kind: 'repair-rejected', who: 'customer', text: 'Rejected: Too expensive', … },
 * //   fact: { type: 'answered', proposalId: 'p-1', answer: 'rejected', answeredAt: '…' } }
 */
export function conversationChange(envelope: Envelope): Change | undefined {
  const event = envelope as AnyEvent
  const at = envelope.occurredAt
  switch (event.type) {
    case 'RepairStarted': {
      const { repairId, customerId, licenseNumber, jobId, planningDate } = event.data
      return {
        repairId,
        entry: entry('repair-started', 'mechanic', `Started work on ${licenseNumber}`, {
          jobId,
          planningDate,
          licenseNumber,
        }),
        fact: { type: 'started', customerId, mechanic: envelope.actor, licenseNumber, startedAt: at },
      }
    }
    case 'ExtraWorkProposed': {
      const { repairId, proposalId, description, labourHours, parts } = event.data
      return {
        repairId,
        entry: entry('extra-work-proposed', 'mechanic', `Proposed extra work: ${description}`, {
          proposalId,
          description,
          labourHours,
          parts,
        }),
      }
    }
    case 'CustomerApprovalRequested': {
      const { repairId, proposalId, description, price, expiresAt } = event.data
      const text = `Asked the customer to approve ${description} for ${formatCents(price.totalCents)}`
      return {
        repairId,
        entry: entry('approval-requested', 'mechanic', text, {
          proposalId,
          description,
          price: priceView(price),
          expiresAt,
        }),
        fact: { type: 'asked', proposalId, requestedAt: at, expiresAt },
      }
    }
    case 'ProposalFailed': {
      const { repairId, proposalId, shortages } = event.data
      const short = shortages.map((s) => `${s.partNumber} (${s.available} of ${s.requested})`).join(', ')
      return {
        repairId,
        entry: entry('proposal-failed', 'mechanic', `Not enough parts to propose the extra work: ${short}`, {
          proposalId,
          shortages,
        }),
      }
    }
    case 'RepairApproved': {
      const { repairId, proposalId } = event.data
      return {
        repairId,
        entry: entry('repair-approved', 'customer', 'Approved the extra work', { proposalId }),
        fact: { type: 'answered', proposalId, answer: 'approved', answeredAt: at },
      }
    }
    case 'RepairRejected': {
      const { repairId, proposalId, reason } = event.data
      return {
        repairId,
        entry: entry('repair-rejected', 'customer', `Rejected the extra work: ${reason}`, {
          proposalId,
          reason,
        }),
        fact: { type: 'answered', proposalId, answer: 'rejected', answeredAt: at },
      }
    }
    case 'ApprovalExpired': {
      // The customer's turn that never came: shown as theirs, since it ends their wait.
      const { repairId, proposalId } = event.data
      return {
        repairId,
        entry: entry('approval-expired', 'customer', 'Did not answer in time: the proposal expired', {
          proposalId,
        }),
        fact: { type: 'answered', proposalId, answer: 'expired', answeredAt: at },
      }
    }
    case 'RepairCompleted': {
      const { repairId, startedAt, completedAt } = event.data
      return {
        repairId,
        entry: entry('repair-completed', 'mechanic', 'Completed the repair', { startedAt, completedAt }),
        fact: { type: 'completed', completedAt },
      }
    }
    case 'NotificationSent': {
      const { repairId, notificationId, recipient, kind, proposalId, subject, text } = event.data
      if (repairId === null) return undefined
      return {
        repairId,
        entry: {
          kind: `notification:${kind}`,
          who: 'notifications',
          text,
          details: { recipient, kind, subject, proposalId },
          notificationId,
        },
      }
    }
    case 'NotificationRead': {
      const { repairId, notificationId } = event.data
      if (repairId === null) return undefined
      return { repairId, fact: { type: 'read', notificationId, readAt: at } }
    }
    default:
      return undefined
  }
}
