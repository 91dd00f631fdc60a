import { EventSource } from 'eventsource'
import { vi } from 'vitest'
import type {
  ApprovalExpired,
  CustomerApprovalRequested,
  CustomerRegistered,
  MaintenanceJobPlanned,
  ProposalFailed,
  RepairApproved,
  RepairCompleted,
  RepairRejected,
  RepairStarted,
  SupportMessageWritten,
} from '../../shared/contracts/index.ts'
import { sampleCustomer, type TestHost } from '../../shared/host/node/test-host.ts'
import { streamProducer } from '../../shared/testing/stream-producer.ts'

// What the notifications tests share: the events it reads, published as their services' relays would
// (see `streamProducer`), and a real EventSource client of the live stream.

export const MECHANIC = 'staff:mechanic@pitstop.local'

export const registered = (customerId: string): CustomerRegistered => ({
  type: 'CustomerRegistered',
  data: sampleCustomer(customerId),
})
export const jobPlanned = (customerId: string, jobId: string): MaintenanceJobPlanned => ({
  type: 'MaintenanceJobPlanned',
  data: {
    planningId: '2026-12-07',
    jobId,
    startTime: '2026-12-07T09:00:00.000Z',
    endTime: '2026-12-07T10:30:00.000Z',
    description: 'Yearly service',
    customer: { customerId, name: 'Ann de Vries', telephoneNumber: '+31 6 12345678' },
    vehicle: { licenseNumber: 'AB-12-CD', brand: 'Opel', type: 'Astra' },
  },
})
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
export const supportMessage = (
  customerId: string,
  repairId: string,
  text: string,
): SupportMessageWritten => ({
  type: 'SupportMessageWritten',
  data: { messageId: `message-${repairId}-${text.length}`, repairId, customerId, text },
})

type RepairsEvent = ReturnType<
  | typeof repairStarted
  | typeof approvalRequested
  | typeof approved
  | typeof rejected
  | typeof expired
  | typeof failed
  | typeof completed
>

/** The streams notifications reads, each written by a real outbox and relay; `close()` ends them all. */
export async function producers(host: TestHost) {
  const common = { streamPrefix: host.config.streamPrefix, redisUrl: host.config.redisUrl }
  const [customers, workshop, repairs, support] = await Promise.all([
    streamProducer<CustomerRegistered>({
      ...common,
      service: 'customers',
      streamOf: (e) => e.data.customerId,
      actor: 'staff:manager@pitstop.local',
    }),
    streamProducer<MaintenanceJobPlanned>({
      ...common,
      service: 'workshop',
      streamOf: (e) => e.data.planningId,
      actor: 'staff:manager@pitstop.local',
    }),
    // The repair's start names who started it: the mechanic its answers go to.
    streamProducer<RepairsEvent>({
      ...common,
      service: 'repairs',
      streamOf: (e) => e.data.repairId,
      actor: MECHANIC,
    }),
    streamProducer<SupportMessageWritten>({
      ...common,
      service: 'support',
      streamOf: (e) => e.data.repairId,
      actor: 'staff:support@pitstop.local',
    }),
  ])
  return {
    customers,
    workshop,
    repairs,
    support,
    close: () => Promise.all([customers, workshop, repairs, support].map((p) => p.close())),
  }
}

export interface Received {
  id: string
  data: Record<string, unknown> & { kind: string; recipient: string; sequence: number }
}

/**
 * A browser's `EventSource` on the live stream, signed in with `token`; it reconnects by itself, sending
 * `Last-Event-ID`. `received` holds what arrived, in order.
 */
export function openStream(url: string, token: string, query = '') {
  const received: Received[] = []
  const source = new EventSource(`${url}/api/notifications/stream${query}`, {
    fetch: (input, init) =>
      fetch(input, { ...init, headers: { ...init?.headers, authorization: `Bearer ${token}` } }),
  })
  source.addEventListener('notification', (event) =>
    received.push({ id: event.lastEventId, data: JSON.parse(event.data) as Received['data'] }),
  )
  const opened = new Promise<void>((resolve, reject) => {
    source.onopen = () => resolve()
    source.onerror = (error) => {
      if (source.readyState === EventSource.CLOSED) reject(new Error(`the stream closed: ${error.message}`))
    }
  })
  return {
    source,
    received,
    opened,
    /** Waits until `count` notifications have arrived. */
    until: (count: number, timeout = 10_000) =>
      vi.waitFor(
        () => {
          if (received.length < count) throw new Error(`${received.length} of ${count} notifications arrived`)
        },
        { timeout, interval: 10 },
      ),
    /** Waits until a notification `matches` arrived, and gives it. */
    arrival: (matches: (event: Received) => boolean, timeout = 10_000) =>
      vi.waitFor(
        () => {
          const found = received.find(matches)
          if (!found) throw new Error(`none of the ${received.length} notifications arrived matches`)
          return found
        },
        { timeout, interval: 10 },
      ),
    close: () => source.close(),
  }
}
