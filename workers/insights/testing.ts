import type { Clock } from '../../shared/clock.ts'
import type { NotificationKind, NotificationRead } from '../../shared/contracts/index.ts'
import type { TestHost } from '../../shared/host/node/test-host.ts'
import {
  approvalRequested,
  approved,
  expired,
  jobFinished,
  jobPlanned,
  read as readNotification,
  rejected,
  repairsStream,
  workshopStream,
} from '../../shared/testing/events.ts'
import { streamProducer } from '../../shared/testing/stream-producer.ts'

export { approved, expired, rejected, testClock, type TestClock } from '../../shared/testing/events.ts'

// What the insights tests share: the events it reads, published as their services' relays would (see
// `streamProducer`), each stamped by a clock the test sets, so the times between them are known.

/** Who the insights tests' repairs and notifications are for. */
const CUSTOMER = 'cust-1'

/** An approval asked for 1 hour of labour at 18.50, no parts, by the end of December. */
export const requested = (repairId: string, proposalId: string) =>
  approvalRequested(CUSTOMER, repairId, proposalId, {
    price: {
      labour: { hours: 1, hourlyRateCents: 1850, amountCents: 1850 },
      parts: [],
      totalCents: 1850,
    },
    expiresAt: '2026-12-31T00:00:00.000Z',
  })
/** The customer's first read of a notification, of the approval asked for unless `kind` says otherwise. */
export const read = (repairId: string, proposalId: string, kind: NotificationKind = 'approval-requested') =>
  readNotification(`n-${kind}-${proposalId}`, CUSTOMER, repairId, kind, {
    proposalId,
    sentAt: '2026-12-01T00:00:00.000Z',
  })
/** A job planned on `day` from `start` to `end` (`HH:MM`). */
export const planned = (jobId: string, day: string, start: string, end: string) =>
  jobPlanned(CUSTOMER, jobId, { day, start, end })
/** A job done on `day` from `start` to `end` (`HH:MM`). */
export const finished = (jobId: string, day: string, start: string, end: string) =>
  jobFinished(jobId, { day, start, end })

type RepairsEvent = ReturnType<typeof requested | typeof approved | typeof rejected | typeof expired>
type WorkshopEvent = ReturnType<typeof planned | typeof finished>

/** The streams insights reads, each written by a real outbox and relay at `clock`'s time. */
export async function producers(host: TestHost, clock: Clock) {
  const common = { streamPrefix: host.config.streamPrefix, redisUrl: host.config.redisUrl, clock }
  const [workshop, repairs, notifications] = await Promise.all([
    streamProducer<WorkshopEvent>({ ...common, ...workshopStream }),
    streamProducer<RepairsEvent>({ ...common, ...repairsStream }),
    streamProducer<NotificationRead>({
      ...common,
      service: 'notifications',
      streamOf: (e) => e.data.notificationId,
      actor: `customer:${CUSTOMER}`,
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
