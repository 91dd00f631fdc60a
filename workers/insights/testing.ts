import type { Clock } from '../../shared/clock.ts'
import type {
  ApprovalExpired,
  CustomerApprovalRequested,
  MaintenanceJobFinished,
  MaintenanceJobPlanned,
  NotificationRead,
  RepairApproved,
  RepairRejected,
} from '../../shared/contracts/index.ts'
import type { TestHost } from '../../shared/host/node/test-host.ts'
import { streamProducer } from '../../shared/testing/stream-producer.ts'

// What the insights tests share: the events it reads, published as their services' relays would (see
// `streamProducer`), each stamped by a clock the test sets, so the times between them are known.

/** A clock the test sets: events published next happen at its time. */
export function testClock(start: string) {
  let now = new Date(start)
  return {
    now: () => now,
    set: (time: string) => {
      now = new Date(time)
    },
  } satisfies Clock & { set(time: string): void }
}
export type TestClock = ReturnType<typeof testClock>

export const requested = (repairId: string, proposalId: string): CustomerApprovalRequested => ({
  type: 'CustomerApprovalRequested',
  data: {
    repairId,
    proposalId,
    customerId: 'cust-1',
    description: 'Replace brake pads',
    price: {
      labour: { hours: 1, hourlyRateCents: 1850, amountCents: 1850 },
      parts: [],
      totalCents: 1850,
    },
    expiresAt: '2026-12-31T00:00:00.000Z',
  },
})
export const approved = (repairId: string, proposalId: string): RepairApproved => ({
  type: 'RepairApproved',
  data: { repairId, proposalId },
})
export const rejected = (repairId: string, proposalId: string): RepairRejected => ({
  type: 'RepairRejected',
  data: { repairId, proposalId, reason: 'Too expensive' },
})
export const expired = (repairId: string, proposalId: string): ApprovalExpired => ({
  type: 'ApprovalExpired',
  data: { repairId, proposalId },
})
/** The customer's first read of a notification, of the approval asked for unless `kind` says otherwise. */
export const read = (
  repairId: string,
  proposalId: string,
  kind: NotificationRead['data']['kind'] = 'approval-requested',
): NotificationRead => ({
  type: 'NotificationRead',
  data: {
    notificationId: `n-${kind}-${proposalId}`,
    recipient: 'customer:cust-1',
    kind,
    repairId,
    proposalId,
    sentAt: '2026-12-01T00:00:00.000Z',
  },
})
const job = { description: 'Yearly service', notes: 'Done' }
export const planned = (jobId: string, day: string, start: string, end: string): MaintenanceJobPlanned => ({
  type: 'MaintenanceJobPlanned',
  data: {
    planningId: day,
    jobId,
    startTime: `${day}T${start}:00.000Z`,
    endTime: `${day}T${end}:00.000Z`,
    description: job.description,
    customer: { customerId: 'cust-1', name: 'Ann de Vries', telephoneNumber: '+31 6 12345678' },
    vehicle: { licenseNumber: 'AB-12-CD', brand: 'Opel', type: 'Astra' },
  },
})
export const finished = (jobId: string, day: string, start: string, end: string): MaintenanceJobFinished => ({
  type: 'MaintenanceJobFinished',
  data: {
    planningId: day,
    jobId,
    startTime: `${day}T${start}:00.000Z`,
    endTime: `${day}T${end}:00.000Z`,
    notes: job.notes,
  },
})

type RepairsEvent = ReturnType<typeof requested | typeof approved | typeof rejected | typeof expired>
type WorkshopEvent = ReturnType<typeof planned | typeof finished>

/** The streams insights reads, each written by a real outbox and relay at `clock`'s time. */
export async function producers(host: TestHost, clock: Clock) {
  const common = { streamPrefix: host.config.streamPrefix, redisUrl: host.config.redisUrl, clock }
  const [workshop, repairs, notifications] = await Promise.all([
    streamProducer<WorkshopEvent>({
      ...common,
      service: 'workshop',
      streamOf: (e) => e.data.planningId,
      actor: 'staff:manager@pitstop.local',
    }),
    streamProducer<RepairsEvent>({
      ...common,
      service: 'repairs',
      streamOf: (e) => e.data.repairId,
      actor: 'staff:mechanic@pitstop.local',
    }),
    streamProducer<NotificationRead>({
      ...common,
      service: 'notifications',
      streamOf: (e) => e.data.notificationId,
      actor: 'customer:cust-1',
    }),
  ])
  return {
    workshop,
    repairs,
    notifications,
    close: () => Promise.all([workshop, repairs, notifications].map((p) => p.close())),
  }
}
export type Producers = Awaited<ReturnType<typeof producers>>
