import { commitRegistrations } from './registrations.ts'
import { count } from 'drizzle-orm'
import { join } from 'node:path'
import { serviceStream } from '../shared/bus/bus.ts'
import { createRedisBus } from '../shared/bus/redis-bus.ts'
import { ConsumerGroup } from '../shared/consumer/consumer-group.ts'
import { openDatabase } from '../shared/db/database.ts'
import { inbox } from '../shared/db/kernel-schema.ts'
import { createLogger } from '../shared/logger.ts'
import { createOutbox } from '../shared/outbox/outbox.ts'
import { OutboxRelay } from '../shared/outbox/relay.ts'
import { workshopProjection } from '../workers/workshop/projection.ts'

/**
 * A burst of events committed to the customers outbox while nothing publishes, then the relay and the
 * workshop consumer group started together (as the host runs them): events per second until the last
 * one is applied to the workshop's read model. The relay has seen the stream (empty) before the burst,
 * so it publishes the whole burst after where the stream ends; a relay that finds an empty stream
 * behind a full outbox takes it for a lost one and publishes only the last `STREAM_KEEP` events again.
 */
export async function outboxToReadModel(dir: string, redisUrl: string, prefix: string, events: number) {
  const logger = createLogger('warn')
  const customers = await openDatabase('customers', `file:${join(dir, 'customers.db')}`)
  const workshop = await openDatabase('workshop', `file:${join(dir, 'workshop.db')}`)
  const stream = serviceStream(prefix, 'customers')
  const bus = createRedisBus(redisUrl)
  const relay = new OutboxRelay({ db: customers.db, bus, stream, logger })
  await relay.flush()
  const outbox = createOutbox(customers.db, () => {})
  await commitRegistrations(outbox, 'burst', events, 500)

  const consumer = new ConsumerGroup({
    db: workshop.db,
    bus: createRedisBus(redisUrl),
    group: 'workshop',
    consumer: 'bench',
    streams: [stream],
    handle: workshopProjection(workshop.db),
    logger,
  })
  const started = performance.now()
  relay.start()
  await consumer.start()
  try {
    const deadline = started + 60_000
    for (;;) {
      const [row] = await workshop.db.select({ n: count() }).from(inbox)
      if (row!.n >= events) break
      if (performance.now() > deadline)
        throw new Error(`outbox → read model: ${row!.n} of ${events} events applied after 60 s`)
      await new Promise((r) => setTimeout(r, 10))
    }
    return events / ((performance.now() - started) / 1000)
  } finally {
    await consumer.stop()
    await relay.stop()
    await bus.close()
    customers.client.close()
    workshop.client.close()
  }
}
