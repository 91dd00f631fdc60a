import { and, eq } from 'drizzle-orm'
import { Redis } from 'ioredis'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, vi } from 'vitest'
import { serviceStream } from '../bus/bus.ts'
import { createRedisBus } from '../bus/redis-bus.ts'
import { newUuidV7, systemClock, type Clock } from '../clock.ts'
import type { Envelope } from '../contracts/index.ts'
import type { Db } from '../db/database.ts'
import { consumerPositions } from '../db/kernel-schema.ts'
import { databaseOrigin } from '../db/origin.ts'
import { toEnvelopes, type UnwrappedEvent } from '../envelope.ts'
import { createLogger } from '../logger.ts'
import { createOutbox } from '../outbox/outbox.ts'
import { OutboxRelay } from '../outbox/relay.ts'
import { openFixtureDatabase } from './fixture-database.ts'
import { TEST_REDIS_URL } from './redis.ts'

export interface StreamProducerOptions<TEvent extends UnwrappedEvent> {
  /** The service whose stream it writes: `<prefix>.<service>`. */
  service: string
  streamPrefix: string
  redisUrl?: string
  /** The aggregate an event belongs to, whose positions it counts. */
  streamOf: (event: TEvent) => string
  /** The events' `actor`. */
  actor: string
  /** What stamps the events' `occurredAt`: the system's time unless the test sets its own. */
  clock?: Clock
}

/**
 * The publishing side of another service, without its domain, for a consumer's tests: a database of its
 * own with the kernel's outbox, and the kernel's relay tailing it into `<prefix>.<service>`. So the events
 * a consumer reads arrive exactly as that service's would: full envelopes, entry ids that are outbox
 * seqs, stamped with the producer's origin.
 *
 * @example
 * const repairs = await streamProducer({ service: 'repairs', streamPrefix, streamOf: (e) => e.data.repairId, actor: 'repairs' })
 * await repairs.publish(proposed('repair-1', 'proposal-1', []))
 * await repairs.consumedBy(host.db('parts'), 'parts')
 * await repairs.close()
 */
export async function streamProducer<TEvent extends UnwrappedEvent>(options: StreamProducerOptions<TEvent>) {
  const { service, redisUrl = TEST_REDIS_URL } = options
  const dir = await mkdtemp(join(tmpdir(), `pitstop-${service}-`))
  const database = await openFixtureDatabase(`file:${join(dir, `${service}.db`)}`)
  const { db } = database
  const bus = createRedisBus(redisUrl, `${service}-producer`)
  const stream = serviceStream(options.streamPrefix, service)
  const relay = new OutboxRelay({ db, bus, stream, logger: createLogger('silent') })
  const outbox = createOutbox(db, () => relay.kick())
  const redis = new Redis(redisUrl)
  // Positions count per aggregate, as the service's event store would.
  const positions = new Map<string, number>()
  const metadata = { correlationId: newUuidV7(), causationId: newUuidV7(), actor: options.actor }

  const envelopesOf = (events: TEvent[]) =>
    events.flatMap((event) => {
      const aggregate = options.streamOf(event)
      const after = positions.get(aggregate) ?? 0
      positions.set(aggregate, after + 1)
      return toEnvelopes([event], {
        stream: aggregate,
        after,
        metadata,
        clock: options.clock ?? systemClock,
        newId: newUuidV7,
      })
    })

  return {
    stream,
    /** Commits `events` to the outbox in one batch, and returns once the relay has published them. */
    async publish(...events: TEvent[]): Promise<Envelope[]> {
      const envelopes = envelopesOf(events)
      await outbox.commit([], envelopes)
      await relay.flush()
      return envelopes
    },
    /**
     * Publishes events that are in the stream already once more, after its end: what a relay does when its
     * database was restored from a backup older than the stream (see `OutboxRelay`), so a group receives
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
    /**
     * Waits until `group`, on the database `db`, has applied or skipped every entry of the stream and
     * holds none pending (its position is the stream's last entry).
     */
    async consumedBy(consumer: Db, group: string, timeout = 10_000): Promise<void> {
      await vi.waitFor(
        async () => {
          const [position] = await consumer
            .select({ seq: consumerPositions.seq })
            .from(consumerPositions)
            .where(
              and(eq(consumerPositions.consumerGroup, group), eq(consumerPositions.sourceStream, stream)),
            )
          expect(position?.seq).toBe(await bus.lastSeq(stream))
          expect(Number(((await redis.xpending(stream, group)) as [number])[0])).toBe(0)
        },
        { timeout, interval: 25 },
      )
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
