import { TZDate } from '@date-fns/tz'
import {
  formatCents,
  priceView,
  type AnyEvent,
  type Envelope,
  type NotificationKind,
} from '../../shared/contracts/index.ts'

/** What the notifications service knows of a repair, from its `RepairStarted`. */
export interface RepairFacts {
  customerId: string
  /** `staff:<email>`: who started the repair, and is told the customer's answer. */
  mechanic: string
  licenseNumber: string
}

/** One notification to deliver: to whom, of what kind, and what it says. */
export interface Notice {
  recipient: string
  kind: NotificationKind
  repairId: string | null
  proposalId: string | null
  subject: string
  text: string
  /** What a client shows beside the text: a price breakdown, the answer it may give and where. */
  details: Record<string, unknown>
}

/** The event needs the repair's `RepairStarted`, which this consumer has not applied yet. */
export const REPAIR_UNKNOWN = 'repair-unknown'

const customer = (customerId: string) => `customer:${customerId}`

/**
 * The notifications an event leads to, and their recipients: the customer hears of their appointment,
 * their repair starting, an approval to give, their car being ready and support's messages; the mechanic
 * who started the repair hears the customer's answer, an answer that never came, and a proposal the
 * parts could not cover. `repair` is what is known of the event's repair; an event that needs it before
 * it is known gives `REPAIR_UNKNOWN`. Times are shown in the workshop's time zone.
 *
 * @example
 * noticesFor(approvalRequested, repair, 'Europe/Amsterdam')
 * // [{ recipient: 'customer:c-1', kind: 'approval-requested', subject: 'Your approval is needed: …', … }]
 */
export function noticesFor(
  envelope: Envelope,
  repair: RepairFacts | undefined,
  timeZone: string,
): Notice[] | typeof REPAIR_UNKNOWN {
  const event = envelope as AnyEvent
  const at = (instant: string) => shownTime(instant, timeZone)
  switch (event.type) {
    case 'MaintenanceJobPlanned': {
      const { planningId, jobId, startTime, endTime, description, customer: who, vehicle } = event.data
      return [
        {
          recipient: customer(who.customerId),
          kind: 'appointment-confirmed',
          repairId: null,
          proposalId: null,
          subject: `Your appointment on ${planningId}`,
          text:
            `Hello ${who.name}, your ${vehicle.brand} ${vehicle.type} (${vehicle.licenseNumber}) is booked in ` +
            `on ${planningId}, ${at(startTime).time} to ${at(endTime).time}: ${description}`,
          details: {
            jobId,
            planningDate: planningId,
            startTime,
            endTime,
            licenseNumber: vehicle.licenseNumber,
          },
        },
      ]
    }
    case 'RepairStarted': {
      const { repairId, customerId, licenseNumber, jobId } = event.data
      return [
        {
          recipient: customer(customerId),
          kind: 'repair-started',
          repairId,
          proposalId: null,
          subject: `We have started on ${licenseNumber}`,
          text:
            `A mechanic has started work on ${licenseNumber}. We will ask you before doing anything more ` +
            `than was planned, and tell you when it is ready.`,
          details: { jobId, licenseNumber },
        },
      ]
    }
    case 'CustomerApprovalRequested': {
      const { repairId, proposalId, customerId, description, price, expiresAt } = event.data
      const lines = [
        `Labour: ${price.labour.hours} h at ${formatCents(price.labour.hourlyRateCents)} = ${formatCents(price.labour.amountCents)}`,
        ...price.parts.map(
          (p) =>
            `${p.quantity} × ${p.partNumber} at ${formatCents(p.unitPriceCents)} = ${formatCents(p.amountCents)}`,
        ),
        `Total: ${formatCents(price.totalCents)}`,
      ]
      const deadline = at(expiresAt)
      return [
        {
          recipient: customer(customerId),
          kind: 'approval-requested',
          repairId,
          proposalId,
          subject: `Your approval is needed: ${description}`,
          text:
            `We found more to do${repair ? ` on ${repair.licenseNumber}` : ''}: ${description}\n\n` +
            `${lines.join('\n')}\n\nPlease approve or reject it by ${deadline.date} ${deadline.time}.`,
          details: {
            description,
            price: priceView(price),
            expiresAt,
            // The answers the customer may give, with what each must carry.
            approve: { method: 'POST', path: `/api/repairs/${repairId}/approve`, body: { proposalId } },
            reject: {
              method: 'POST',
              path: `/api/repairs/${repairId}/reject`,
              body: { proposalId, reason: '…' },
            },
          },
        },
      ]
    }
    case 'SupportMessageWritten': {
      const { repairId, customerId, text, messageId } = event.data
      return [
        {
          recipient: customer(customerId),
          kind: 'support-message',
          repairId,
          proposalId: null,
          subject: 'A message from the garage',
          text,
          details: { messageId },
        },
      ]
    }
    case 'RepairCompleted': {
      if (!repair) return REPAIR_UNKNOWN
      const { repairId, completedAt } = event.data
      return [
        {
          recipient: customer(repair.customerId),
          kind: 'repair-completed',
          repairId,
          proposalId: null,
          subject: `${repair.licenseNumber} is ready for pick-up`,
          text: `The work on ${repair.licenseNumber} is done: you can pick it up.`,
          details: { completedAt, licenseNumber: repair.licenseNumber },
        },
      ]
    }
    case 'RepairApproved':
    case 'RepairRejected':
    case 'ApprovalExpired':
    case 'ProposalFailed': {
      if (!repair) return REPAIR_UNKNOWN
      return [{ recipient: repair.mechanic, ...toMechanic(event, repair) }]
    }
    default:
      return []
  }
}

type MechanicEvent = Extract<
  AnyEvent,
  { type: 'RepairApproved' | 'RepairRejected' | 'ApprovalExpired' | 'ProposalFailed' }
>

function toMechanic(event: MechanicEvent, repair: RepairFacts): Omit<Notice, 'recipient'> {
  const { repairId, proposalId } = event.data
  const car = repair.licenseNumber
  const base = { repairId, proposalId }
  switch (event.type) {
    case 'RepairApproved':
      return {
        ...base,
        kind: 'repair-approved',
        subject: `Approved: the extra work on ${car}`,
        text: `The customer approved the extra work on ${car}; the parts are yours.`,
        details: {},
      }
    case 'RepairRejected':
      return {
        ...base,
        kind: 'repair-rejected',
        subject: `Rejected: the extra work on ${car}`,
        text: `The customer rejected the extra work on ${car}: ${event.data.reason}`,
        details: { reason: event.data.reason },
      }
    case 'ApprovalExpired':
      return {
        ...base,
        kind: 'approval-expired',
        subject: `No answer: the extra work on ${car}`,
        text: `The customer did not answer in time about the extra work on ${car}; the parts are released.`,
        details: {},
      }
    case 'ProposalFailed': {
      const short = event.data.shortages.map((s) => `${s.partNumber} (${s.available} of ${s.requested})`)
      return {
        ...base,
        kind: 'proposal-failed',
        subject: `Not enough parts for the extra work on ${car}`,
        text: `The proposal on ${car} was not sent to the customer: too few ${short.join(', ')} in stock.`,
        details: { shortages: event.data.shortages },
      }
    }
  }
}

/** An instant as the workshop's clock on the wall shows it: `2026-12-07` and `09:30`. */
function shownTime(instant: string, timeZone: string): { date: string; time: string } {
  const local = new TZDate(new Date(instant).getTime(), timeZone)
  return {
    date: `${pad(local.getFullYear(), 4)}-${pad(local.getMonth() + 1)}-${pad(local.getDate())}`,
    time: `${pad(local.getHours())}:${pad(local.getMinutes())}`,
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0')
