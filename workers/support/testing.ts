import type {
  ApprovalExpired,
  CustomerApprovalRequested,
  ExtraWorkProposed,
  NotificationKind,
  NotificationRead,
  NotificationSent,
  ProposalFailed,
  RepairApproved,
  RepairCompleted,
  RepairRejected,
  RepairStarted,
} from '../../shared/contracts/index.ts'
import type { Clock } from '../../shared/clock.ts'
import { TEST_REDIS_URL } from '../../shared/testing/redis.ts'
import { streamProducer } from '../../shared/testing/stream-producer.ts'

// What the support tests share: the events its group reads, published as the repairs and notifications
// services' relays would (see `streamProducer`), and a clock the test sets.

export const MECHANIC = 'staff:mechanic@pitstop.local'

export const repairStarted = (customerId: string, repairId: string): RepairStarted => ({
  type: 'RepairStarted',
  data: {
    repairId,
    jobId: `job-${repairId}`,
    planningDate: '2026-12-07',
    customerId,
    licenseNumber: 'AB-12-CD',
  },
})
export const proposed = (repairId: string, proposalId: string): ExtraWorkProposed => ({
  type: 'ExtraWorkProposed',
  data: {
    repairId,
    proposalId,
    description: 'Replace brake pads',
    labourHours: 1.5,
    parts: [{ partNumber: 'BP-1044', quantity: 2 }],
  },
})
export const approvalRequested = (
  customerId: string,
  repairId: string,
  proposalId: string,
): CustomerApprovalRequested => ({
  type: 'CustomerApprovalRequested',
  data: {
    repairId,
    proposalId,
    customerId,
    description: 'Replace brake pads',
    price: {
      labour: { hours: 1.5, hourlyRateCents: 1850, amountCents: 2775 },
      parts: [{ partNumber: 'BP-1044', quantity: 2, unitPriceCents: 1250, amountCents: 2500 }],
      totalCents: 5275,
    },
    expiresAt: '2026-12-08T09:00:00.000Z',
  },
})
export const approved = (repairId: string, proposalId: string): RepairApproved => ({
  type: 'RepairApproved',
  data: { repairId, proposalId },
})
export const rejected = (repairId: string, proposalId: string, reason: string): RepairRejected => ({
  type: 'RepairRejected',
  data: { repairId, proposalId, reason },
})
export const expired = (repairId: string, proposalId: string): ApprovalExpired => ({
  type: 'ApprovalExpired',
  data: { repairId, proposalId },
})
export const failed = (repairId: string, proposalId: string): ProposalFailed => ({
  type: 'ProposalFailed',
  data: { repairId, proposalId, shortages: [{ partNumber: 'BP-1044', requested: 2, available: 1 }] },
})
export const completed = (repairId: string): RepairCompleted => ({
  type: 'RepairCompleted',
  data: {
    repairId,
    jobId: `job-${repairId}`,
    planningDate: '2026-12-07',
    startedAt: '2026-12-07T09:00:00.000Z',
    completedAt: '2026-12-07T10:00:00.000Z',
  },
})
export const sent = (
  notificationId: string,
  customerId: string,
  repairId: string | null,
  kind: NotificationKind = 'approval-requested',
): NotificationSent => ({
  type: 'NotificationSent',
  data: {
    notificationId,
    recipient: `customer:${customerId}`,
    kind,
    causeId: `cause-${notificationId}`,
    repairId,
    proposalId: null,
    subject: 'Your approval is needed: Replace brake pads',
    text: 'We found more to do: Replace brake pads',
  },
})
export const read = (
  notificationId: string,
  customerId: string,
  repairId: string | null,
  kind: NotificationKind = 'approval-requested',
): NotificationRead => ({
  type: 'NotificationRead',
  data: {
    notificationId,
    recipient: `customer:${customerId}`,
    kind,
    repairId,
    proposalId: null,
    sentAt: '2026-12-07T09:00:00.000Z',
  },
})

type RepairsEvent = ReturnType<
  | typeof repairStarted
  | typeof proposed
  | typeof approvalRequested
  | typeof approved
  | typeof rejected
  | typeof expired
  | typeof failed
  | typeof completed
>
type NotificationsEvent = NotificationSent | NotificationRead

/** The streams support reads, each written by a real outbox and relay; `close()` ends them both. */
export async function producers(streamPrefix: string, redisUrl = TEST_REDIS_URL) {
  const [repairs, notifications] = await Promise.all([
    // The repair's start names who started it: the mechanic of the conversation.
    streamProducer<RepairsEvent>({
      streamPrefix,
      redisUrl,
      service: 'repairs',
      streamOf: (e) => e.data.repairId,
      actor: MECHANIC,
    }),
    streamProducer<NotificationsEvent>({
      streamPrefix,
      redisUrl,
      service: 'notifications',
      streamOf: (e) => e.data.notificationId,
      actor: 'notifications',
    }),
  ])
  return {
    repairs,
    notifications,
    close: async () => {
      await Promise.all([repairs.close(), notifications.close()])
    },
  }
}

/** A clock the test sets; moving it ticks nothing. */
export function testClock(start: string) {
  let time = Date.parse(start)
  return {
    now: () => new Date(time),
    set(to: string) {
      time = Date.parse(to)
    },
  } satisfies Clock & { set(to: string): void }
}

/** `time` moved on by `ms`. */
export const after = (time: string, ms: number) => new Date(Date.parse(time) + ms).toISOString()

/** A pause long enough that the next event's `occurredAt` is a later millisecond. */
export const tick = () => new Promise((resolve) => setTimeout(resolve, 5))
