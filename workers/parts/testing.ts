import { and, eq } from 'drizzle-orm'
import { Redis } from 'ioredis'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, vi } from 'vitest'
import { serviceStream } from '../../shared/bus/bus.ts'
import { createRedisBus } from '../../shared/bus/redis-bus.ts'
import { newUuidV7, systemClock } from '../../shared/clock.ts'
import type {
  ApprovalExpired,
  Envelope,
  ExtraWorkProposed,
  RepairApproved,
  RepairRejected,
} from '../../shared/contracts/index.ts'
import type { Db } from '../../shared/db/database.ts'
import { consumerPositions, outbox } from '../../shared/db/kernel-schema.ts'
import { databaseOrigin } from '../../shared/db/origin.ts'
import { toEnvelopes } from '../../shared/envelope.ts'
import { createLogger } from '../../shared/logger.ts'
import { createOutbox } from '../../shared/outbox/outbox.ts'
import { OutboxRelay } from '../../shared/outbox/relay.ts'
import { openFixtureDatabase } from '../../shared/testing/fixture-database.ts'
import { TEST_REDIS_URL } from '../../shared/testing/redis.ts'
import { PARTS_GROUP } from './consumer.ts'

export type RepairsEvent = ExtraWorkProposed | RepairApproved | RepairRejected | ApprovalExpired

/** Extra work on `repairId` wanting `parts`; its proposal id names the reservation that answers it. */
export const proposed = (
  repairId: string,
  proposalId: string,
  parts: { partNumber: string; quantity: number }[],
): ExtraWorkProposed => ({
  type: 'ExtraWorkProposed',
  data: { repairId, proposalId, description: 'Replace brake pads', labourHours: 1.5, parts },
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

/**
 * The publishing side of the repairs service, without its domain: a database of its own with the
 * kernel's outbox, and the kernel's relay tailing it into `<prefix>.repairs`. So the events the parts
 * service reads arrive exactly as the repairs service's would: full envelopes, entry ids that are outbox
 * seqs, stamped with the producer's origin.
 *
 * @example
 * const repairs = await repairsProducer(host.config.streamPrefix)
 * await repairs.publish(proposed('repair-1', 'proposal-1', [{ partNumber: 'BP-1044', quantity: 2 }]))
 * await repairs.close()
 */
export async function repairsProducer(streamPrefix: string, redisUrl = TEST_REDIS_URL) {
  const dir = await mkdtemp(join(tmpdir(), 'pitstop-repairs-'))
  const database = await openFixtureDatabase(`file:${join(dir, 'repairs.db')}`)
  const { db } = database
  const bus = createRedisBus(redisUrl, 'repairs-producer')
  const stream = serviceStream(streamPrefix, 'repairs')
  const relay = new OutboxRelay({ db, bus, stream, logger: createLogger('silent') })
  const outbox = createOutbox(db, () => relay.kick())
  // Positions count per repair, as the repairs service's event store would.
  const positions = new Map<string, number>()
  const metadata = { correlationId: 'parts-test', causationId: 'parts-test', actor: 'mechanic:repairs-test' }

  const envelopesOf = (events: RepairsEvent[]) =>
    events.flatMap((event) => {
      const after = positions.get(event.data.repairId) ?? 0
      positions.set(event.data.repairId, after + 1)
      return toEnvelopes([event], {
        stream: event.data.repairId,
        after,
        metadata,
        clock: systemClock,
        newId: newUuidV7,
      })
    })

  const redis = new Redis(redisUrl)

  return {
    stream,
    /**
     * Waits until the parts group, on the database `db`, has applied or skipped every entry of the stream
     * and holds none pending (its position is the stream's last entry).
     */
    async consumedBy(db: Db, timeout = 10_000): Promise<void> {
      await vi.waitFor(
        async () => {
          const [position] = await db
            .select({ seq: consumerPositions.seq })
            .from(consumerPositions)
            .where(
              and(
                eq(consumerPositions.consumerGroup, PARTS_GROUP),
                eq(consumerPositions.sourceStream, stream),
              ),
            )
          expect(position?.seq).toBe(await bus.lastSeq(stream))
          expect(Number(((await redis.xpending(stream, PARTS_GROUP)) as [number])[0])).toBe(0)
        },
        { timeout, interval: 25 },
      )
    },
    /** Commits `events` to the outbox in one batch, and returns once the relay has published them. */
    async publish(...events: RepairsEvent[]): Promise<Envelope[]> {
      const envelopes = envelopesOf(events)
      await outbox.commit([], envelopes)
      await relay.flush()
      return envelopes
    },
    /**
     * Publishes events that are in the stream already once more, after its end: what a relay does when its
     * database was restored from a backup older than the stream (see `OutboxRelay`), so the group receives
     * each a second time under a new entry id. The relay goes on after them.
     */
    async publishAgain(envelopes: Envelope[]): Promise<void> {
      const end = await bus.lastSeq(stream)
      const entries = envelopes.map((e, i) => ({
        seq: end + i + 1,
        type: e.type,
        envelope: JSON.stringify(e),
      }))
      const result = await bus.appendAfter(stream, end, entries, await databaseOrigin(db))
      if (!result.ok) throw new Error(`${stream} moved on while publishing again`)
      await relay.flush()
    },
    async close(): Promise<void> {
      await relay.stop()
      await bus.close()
      redis.disconnect()
      database.client.close()
      await rm(dir, { recursive: true, force: true })
    },
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
