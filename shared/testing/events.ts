import type { Clock } from '../clock.ts'
import type {
  ApprovalExpired,
  CustomerApprovalRequested,
  ExtraWorkProposed,
  MaintenanceJobFinished,
  MaintenanceJobPlanned,
  NotificationKind,
  NotificationRead,
  NotificationSent,
  PriceBreakdown,
  ProposalFailed,
  RepairApproved,
  RepairCompleted,
  RepairRejected,
  RepairStarted,
} from '../contracts/index.ts'

// The events the services' tests publish as the workshop, repairs and notifications services would:
// one builder each, with the values the tests assert on; what a test needs otherwise it passes.

/** The mechanic who starts the repairs: the actor of the repairs stream. */
export const MECHANIC = 'staff:mechanic@pitstop.local'

/** What the repairs service publishes. */
export type RepairsEvent =
  | RepairStarted
  | ExtraWorkProposed
  | CustomerApprovalRequested
  | ProposalFailed
  | RepairApproved
  | RepairRejected
  | ApprovalExpired
  | RepairCompleted

/** How the workshop's relay publishes its jobs (see `streamProducer`): by planning, as the manager. */
export const workshopStream = {
  service: 'workshop',
  streamOf: (event: MaintenanceJobPlanned | MaintenanceJobFinished) => event.data.planningId,
  actor: 'staff:manager@pitstop.local',
}
/** How the repairs service's relay publishes (see `streamProducer`): by repair, as the mechanic who started it. */
export const repairsStream = {
  service: 'repairs',
  streamOf: (event: RepairsEvent) => event.data.repairId,
  actor: MECHANIC,
}

/** The price asked for by `approvalRequested` unless given: 1.5 hours at 18.50, two BP-1044 at 12.50. */
export const samplePrice: PriceBreakdown = {
  labour: { hours: 1.5, hourlyRateCents: 1850, amountCents: 2775 },
  parts: [{ partNumber: 'BP-1044', quantity: 2, unitPriceCents: 1250, amountCents: 2500 }],
  totalCents: 5275,
}

/** When a job is planned or done: on `day`, from `start` to `end` (`HH:MM`, UTC); 2026-12-07 09:00–10:30 unless given. */
export interface JobTimes {
  day?: string
  start?: string
  end?: string
}
const jobTimes = ({ day = '2026-12-07', start = '09:00', end = '10:30' }: JobTimes) => ({
  planningId: day,
  startTime: `${day}T${start}:00.000Z`,
  endTime: `${day}T${end}:00.000Z`,
})

export const jobPlanned = (
  customerId: string,
  jobId: string,
  times: JobTimes = {},
): MaintenanceJobPlanned => {
  const { planningId, startTime, endTime } = jobTimes(times)
  return {
    type: 'MaintenanceJobPlanned',
    data: {
      planningId,
      jobId,
      startTime,
      endTime,
      description: 'Yearly service',
      customer: { customerId, name: 'Ann de Vries', telephoneNumber: '+31 6 12345678' },
      vehicle: { licenseNumber: 'AB-12-CD', brand: 'Opel', type: 'Astra' },
    },
  }
}
export const jobFinished = (jobId: string, times: JobTimes = {}, notes = 'Done'): MaintenanceJobFinished => {
  const { planningId, startTime, endTime } = jobTimes(times)
  return { type: 'MaintenanceJobFinished', data: { planningId, jobId, startTime, endTime, notes } }
}

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
/** Extra work on `repairId` wanting `parts` (two BP-1044 unless given); its proposal id names the reservation that answers it. */
export const proposed = (
  repairId: string,
  proposalId: string,
  parts: { partNumber: string; quantity: number }[] = [{ partNumber: 'BP-1044', quantity: 2 }],
): ExtraWorkProposed => ({
  type: 'ExtraWorkProposed',
  data: { repairId, proposalId, description: 'Replace brake pads', labourHours: 1.5, parts },
})
/** The customer asked to approve `samplePrice` by 2026-12-08 09:00 UTC, unless `asked` says otherwise. */
export const approvalRequested = (
  customerId: string,
  repairId: string,
  proposalId: string,
  asked: { price?: PriceBreakdown; expiresAt?: string } = {},
): CustomerApprovalRequested => ({
  type: 'CustomerApprovalRequested',
  data: {
    repairId,
    proposalId,
    customerId,
    description: 'Replace brake pads',
    price: asked.price ?? samplePrice,
    expiresAt: asked.expiresAt ?? '2026-12-08T09:00:00.000Z',
  },
})
export const approved = (repairId: string, proposalId: string): RepairApproved => ({
  type: 'RepairApproved',
  data: { repairId, proposalId },
})
export const rejected = (repairId: string, proposalId: string, reason = 'Too expensive'): RepairRejected => ({
  type: 'RepairRejected',
  data: { repairId, proposalId, reason },
})
export const expired = (repairId: string, proposalId: string): ApprovalExpired => ({
  type: 'ApprovalExpired',
  data: { repairId, proposalId },
})
/** Short of BP-1044: 1 in stock of the 2 asked for. */
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

/** A notification to the customer, of the approval asked for unless `kind` says otherwise. */
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
/**
 * The customer's first read of a notification, of the approval asked for unless `kind` says otherwise,
 * sent at 2026-12-07 09:00 UTC about no proposal unless `about` says otherwise.
 */
export const read = (
  notificationId: string,
  customerId: string,
  repairId: string | null,
  kind: NotificationKind = 'approval-requested',
  about: { proposalId?: string | null; sentAt?: string } = {},
): NotificationRead => ({
  type: 'NotificationRead',
  data: {
    notificationId,
    recipient: `customer:${customerId}`,
    kind,
    repairId,
    proposalId: about.proposalId ?? null,
    sentAt: about.sentAt ?? '2026-12-07T09:00:00.000Z',
  },
})

/** A clock the test sets: events published next happen at its time; moving it ticks nothing. */
export function testClock(start: string) {
  let time = Date.parse(start)
  return {
    now: () => new Date(time),
    set(to: string) {
      time = Date.parse(to)
    },
  } satisfies Clock & { set(to: string): void }
}
export type TestClock = ReturnType<typeof testClock>
