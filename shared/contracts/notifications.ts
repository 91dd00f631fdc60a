import * as v from 'valibot'
import { Actor } from './auth.ts'
import { eventContract, type DomainEvent } from './envelope.ts'
import { Identifier } from './text.ts'

export const NotificationId = Identifier

/**
 * What a notification tells its recipient. To the customer: their appointment, their repair started, an
 * approval to give, their car ready, a message from support. To the mechanic who started the repair:
 * the customer's answer, an answer that never came, or a proposal the parts could not cover.
 */
export const notificationKinds = [
  'appointment-confirmed',
  'repair-started',
  'approval-requested',
  'repair-completed',
  'support-message',
  'repair-approved',
  'repair-rejected',
  'approval-expired',
  'proposal-failed',
] as const
export const NotificationKind = v.picklist(notificationKinds)
export type NotificationKind = (typeof notificationKinds)[number]

/**
 * A notification delivered to its recipient (`customer:<id>` or `staff:<email>`), in answer to the event
 * `causeId`; the envelope's `occurredAt` is when it was delivered, where the reaction time starts.
 */
export const NotificationSent = eventContract(
  'NotificationSent',
  1,
  v.object({
    notificationId: NotificationId,
    recipient: Actor,
    kind: NotificationKind,
    causeId: v.string(),
    repairId: v.nullable(Identifier),
    proposalId: v.nullable(Identifier),
    subject: v.string(),
    text: v.string(),
  }),
)
/** The recipient saw the notification for the first time (the envelope's `occurredAt`). */
export const NotificationRead = eventContract(
  'NotificationRead',
  1,
  v.object({
    notificationId: NotificationId,
    recipient: Actor,
    kind: NotificationKind,
    repairId: v.nullable(Identifier),
    proposalId: v.nullable(Identifier),
    /** When the notification was delivered, so a reaction time needs no other event. */
    sentAt: v.string(),
  }),
)
export type NotificationSent = DomainEvent<typeof NotificationSent>
export type NotificationRead = DomainEvent<typeof NotificationRead>
