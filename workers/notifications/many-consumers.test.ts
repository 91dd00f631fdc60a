import { asc } from 'drizzle-orm'
import { afterAll, expect, it, onTestFinished } from 'vitest'
import { startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { NOTIFICATIONS_GROUP } from './consumer.ts'
import { notifications } from './schema.ts'
import { openStream, producers, repairStarted } from './testing.ts'

// Two processes of one deployment, sharing the database and the consumer group: every event is told
// once, whichever of them applies it and however often it arrives, and a live stream served by one
// process delivers what the other's consumer committed.

const REPAIRS = 30
const hosts: TestHost[] = []
let streams: Awaited<ReturnType<typeof producers>> | undefined
afterAll(async () => {
  await streams?.close()
  // The first owns the data directory: it goes last.
  for (const host of hosts.reverse()) await host.cleanup()
})

it('tells each event once with two consumers, whichever applies it', async () => {
  const first = await startTestHost({ services: ['notifications'] })
  hosts.push(first)
  const { dataDir, streamPrefix } = first.config
  hosts.push(await startTestHost({ services: ['notifications'], dataDir, streamPrefix }))
  streams = await producers(first)

  // Small appends, so the two consumers take turns; some delivered twice.
  const sent = []
  for (let i = 0; i < REPAIRS; i += 3)
    sent.push(
      ...(await streams.repairs.publish(
        ...[i, i + 1, i + 2].map((n) => repairStarted('many', `repair-many-${n}`)),
      )),
    )
  await streams.repairs.publishAgain([sent[0]!, sent[7]!, sent[20]!])
  await streams.repairs.consumedBy(first.db('notifications') as never, NOTIFICATIONS_GROUP)

  const told = await first
    .db('notifications')
    .select()
    .from(notifications)
    .orderBy(asc(notifications.sequence))
  expect(told.map((n) => n.causeId).sort()).toEqual(sent.map((e) => e.id).sort())
})

it("streams what another process's consumer committed", async () => {
  const [first] = hosts
  // Same database, streams of its own: this process's consumer commits nothing the stream shows.
  const other = await startTestHost({ services: ['notifications'], dataDir: first!.config.dataDir })
  hosts.push(other)
  const live = openStream(other.url, await other.tokenFor({ role: 'customer', customerId: 'elsewhere' }))
  onTestFinished(live.close)
  await live.opened

  await streams!.repairs.publish(repairStarted('elsewhere', 'repair-elsewhere'))
  await streams!.repairs.consumedBy(first!.db('notifications') as never, NOTIFICATIONS_GROUP)
  await live.until(1)
  expect(live.received[0]!.data).toMatchObject({ repairId: 'repair-elsewhere', kind: 'repair-started' })
})
