import type { NotificationRead, NotificationSent } from '../../shared/contracts/index.ts'
import { repairsStream, type RepairsEvent } from '../../shared/testing/events.ts'
import { TEST_REDIS_URL } from '../../shared/testing/redis.ts'
import { streamProducer } from '../../shared/testing/stream-producer.ts'

export * from '../../shared/testing/events.ts'

// What the support tests share: the events its group reads, published as the repairs and notifications
// services' relays would (see `streamProducer`), and a clock the test sets.

type NotificationsEvent = NotificationSent | NotificationRead

/** The streams support reads, each written by a real outbox and relay; `close()` ends them both. */
export async function producers(streamPrefix: string, redisUrl = TEST_REDIS_URL) {
  const [repairs, notifications] = await Promise.all([
    // The repair's start names who started it: the mechanic of the conversation.
    streamProducer<RepairsEvent>({ streamPrefix, redisUrl, ...repairsStream }),
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
