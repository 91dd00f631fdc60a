import type {
  ApprovalExpired,
  Envelope,
  ExtraWorkProposed,
  RepairApproved,
  RepairRejected,
} from '../../shared/contracts/index.ts'
import type { Db } from '../../shared/db/database.ts'
import { outbox } from '../../shared/db/kernel-schema.ts'
import { repairsStream } from '../../shared/testing/events.ts'
import { TEST_REDIS_URL } from '../../shared/testing/redis.ts'
import { streamProducer } from '../../shared/testing/stream-producer.ts'
import { PARTS_GROUP } from './consumer.ts'

export { approved, expired, proposed, rejected } from '../../shared/testing/events.ts'

/** What the parts service reads of the repairs stream. */
export type RepairsEvent = ExtraWorkProposed | RepairApproved | RepairRejected | ApprovalExpired

/**
 * The publishing side of the repairs service, without its domain (see `streamProducer`): the events the
 * parts service reads arrive exactly as the repairs service's would. `consumedBy` waits for the parts group.
 *
 * @example
 * const repairs = await repairsProducer(host.config.streamPrefix)
 * await repairs.publish(proposed('repair-1', 'proposal-1', [{ partNumber: 'BP-1044', quantity: 2 }]))
 * await repairs.close()
 */
export async function repairsProducer(streamPrefix: string, redisUrl = TEST_REDIS_URL) {
  const producer = await streamProducer<RepairsEvent>({ streamPrefix, redisUrl, ...repairsStream })
  return {
    ...producer,
    consumedBy: (db: Db, timeout?: number) => producer.consumedBy(db, PARTS_GROUP, timeout),
  }
}
export type RepairsProducer = Awaited<ReturnType<typeof repairsProducer>>

/** What the parts service published about reservations (its answers), oldest first. */
export async function reservationEvents(db: Db): Promise<Envelope[]> {
  const rows = await db.select().from(outbox).orderBy(outbox.seq)
  return rows
    .map((row) => JSON.parse(row.envelope) as Envelope)
    .filter((event) => (event.data as { reservationId?: string }).reservationId !== undefined)
}
