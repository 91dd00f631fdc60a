import type { NotificationRead, NotificationSent } from '../../shared/contracts/index.ts'
import {
  approvalRequested,
  approved,
  completed,
  expired,
  failed,
  MECHANIC,
  proposed,
  rejected,
  repairStarted,
} from '../../shared/testing/events.ts'
import { TEST_REDIS_URL } from '../../shared/testing/redis.ts'
import { streamProducer } from '../../shared/testing/stream-producer.ts'

export {
  approvalRequested,
  approved,
  completed,
  expired,
  failed,
  MECHANIC,
  proposed,
  read,
  rejected,
  repairStarted,
  sent,
  testClock,
} from '../../shared/testing/events.ts'

// What the support tests share: the events its group reads, published as the repairs and notifications
// services' relays would (see `streamProducer`), and a clock the test sets.

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

/** `time` moved on by `ms`. */
export const after = (time: string, ms: number) => new Date(Date.parse(time) + ms).toISOString()

/** A pause long enough that the next event's `occurredAt` is a later millisecond. */
export const tick = () => new Promise((resolve) => setTimeout(resolve, 5))
