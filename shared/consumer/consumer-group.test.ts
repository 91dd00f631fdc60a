import { asc, count, eq, inArray } from 'drizzle-orm'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { Redis } from 'ioredis'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { workshopProjection } from '../../workers/workshop/projection.ts'
import { jobs, refCustomers, refVehicles } from '../../workers/workshop/schema.ts'
import { deadLetterStream, serviceStream, type Bus } from '../bus/bus.ts'
import { createRedisBus } from '../bus/redis-bus.ts'
import { newUuidV7, systemClock } from '../clock.ts'
import type { Envelope } from '../contracts/index.ts'
import { openDatabase, type Db } from '../db/database.ts'
import { consumerPositions, inbox } from '../db/kernel-schema.ts'
import { toEnvelopes } from '../envelope.ts'
import { createLogger } from '../logger.ts'
import { deleteKeys, startPrivateRedis, TEST_REDIS_URL, uniquePrefix } from '../testing/redis.ts'
import { sampleCustomer, sampleVehicle } from '../testing/test-host.ts'
import { ConsumerGroup, type ConsumerGroupOptions, type EventHandler } from './consumer-group.ts'

const GROUP = 'workshop'
const DATE = '2026-11-21'
const metadata = { correlationId: 'consumer-test', causationId: 'consumer-test', actor: 'test' }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const waitLong = { timeout: 10_000, interval: 25 }

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

// One row per application of an event, written in the same batch as the projection's statements. The
// projection only upserts, so applying an event twice would leave its tables unchanged; this would not.
const effects = sqliteTable('test_effects', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  eventId: text('event_id').notNull(),
  consumer: text('consumer').notNull(),
})

/** The real workshop projection, recording each application in `test_effects`. */
const recorded =
  (db: Db, consumer: string): EventHandler =>
  async (event) => [
    ...(await workshopProjection(db)(event)),
    db.insert(effects).values({ eventId: event.id, consumer }),
  ]

const envelope = (type: Envelope['type'], data: unknown, stream: string, after = 0): Envelope =>
  toEnvelopes([{ type: type as 'CustomerRegistered', data }], {
    stream,
    after,
    metadata,
    clock: systemClock,
    newId: newUuidV7,
  })[0]!

const customerRegistered = (customerId: string) =>
  envelope('CustomerRegistered', sampleCustomer(customerId), customerId)
const vehicleRegistered = (licenseNumber: string) =>
  envelope('VehicleRegistered', sampleVehicle(licenseNumber, 'cust-1'), licenseNumber)

const slot = (minutes: number) =>
  new Date(Date.parse(`${DATE}T07:00:00.000Z`) + minutes * 60_000).toISOString()

/** Job `n` of the day: three workstations, 20-minute slots, each workstation with its own vehicle. */
const jobPlanned = (n: number, position: number) =>
  envelope(
    'MaintenanceJobPlanned',
    {
      planningId: DATE,
      jobId: `job-${n}`,
      startTime: slot(Math.floor(n / 3) * 20),
      endTime: slot(Math.floor(n / 3) * 20 + 20),
      description: `Service ${n}`,
      customer: { customerId: 'cust-1', name: 'Ann de Vries', telephoneNumber: '+31 6 12345678' },
      vehicle: { licenseNumber: `AB-12-${n % 3}`, brand: 'Opel', type: 'Astra' },
    },
    DATE,
    position - 1,
  )
const jobFinished = (n: number, position: number) =>
  envelope(
    'MaintenanceJobFinished',
    {
      planningId: DATE,
      jobId: `job-${n}`,
      startTime: slot(Math.floor(n / 3) * 20 + 1),
      endTime: slot(Math.floor(n / 3) * 20 + 19),
      notes: `Done ${n}`,
    },
    DATE,
    position - 1,
  )

/**
 * A migrated workshop database in a fresh directory, the customers, vehicles and workshop streams under
 * a fresh prefix on `redisUrl`, and helpers to publish, run consumers and look at the outcome. Everything
 * (consumers, connections, keys, files) is undone after the test.
 */
async function setup(redisUrl = TEST_REDIS_URL) {
  const dir = await mkdtemp(join(tmpdir(), 'pitstop-consumer-'))
  const url = `file:${join(dir, 'workshop.db')}`
  const clients = [await openDatabase('workshop', url)]
  const { client, db } = clients[0]!
  await client.execute(
    'create table test_effects (seq integer primary key autoincrement, event_id text not null, consumer text not null)',
  )
  const prefix = uniquePrefix('consumer')
  const streams = {
    customers: serviceStream(prefix, 'customers'),
    vehicles: serviceStream(prefix, 'vehicles'),
    workshop: serviceStream(prefix, 'workshop'),
  }
  const all = Object.values(streams)
  const redis = new Redis(redisUrl)
  const consumers: ConsumerGroup[] = []
  const seqs = new Map<string, number>()
  cleanups.push(async () => {
    for (const consumer of consumers) await consumer.stop()
    redis.disconnect()
    for (const { client } of clients) client.close()
    await deleteKeys(prefix, redisUrl)
    await rm(dir, { recursive: true, force: true })
  })

  return {
    db,
    redis,
    streams,
    /** A consumer of the workshop group reading all three streams, as the host builds it (not started). */
    consumer(name: string, options: Partial<ConsumerGroupOptions> = {}) {
      const consumer = new ConsumerGroup({
        db,
        group: GROUP,
        consumer: name,
        streams: all,
        handle: recorded(options.db ?? db, name),
        logger: createLogger('silent'),
        claimIdleMs: 200,
        maxDeliveries: 3,
        blockMs: 100,
        ...options,
        bus: options.bus ?? createRedisBus(redisUrl),
      })
      consumers.push(consumer)
      return consumer
    },
    /** Another connection to the same database file, as a second process would have. */
    async anotherConnection() {
      const database = await openDatabase('workshop', url)
      clients.push(database)
      return database.db
    },
    /**
     * XADDs like the relay does: the next outbox seq as id (unless given), `type`, the JSON envelope
     * (or any text) in `event`, and the publisher's origin.
     */
    async publish(stream: string, event: Envelope | string, id?: string): Promise<string> {
      const [type, body] =
        typeof event === 'string' ? ['VehicleRegistered', event] : [event.type, JSON.stringify(event)]
      const seq = id ? Number(id.split('-')[0]) : (seqs.get(stream) ?? 0) + 1
      seqs.set(stream, Math.max(seqs.get(stream) ?? 0, seq))
      return (await redis.xadd(stream, id ?? `${seq}-0`, 'type', type, 'event', body, 'origin', 'test'))!
    },
    /** Entries of the group delivered but not acknowledged, over all streams. */
    async pending(): Promise<number> {
      let total = 0
      for (const stream of all) total += Number(((await redis.xpending(stream, GROUP)) as [number])[0])
      return total
    },
    /** The id of the newest entry the group has handed out on `stream`. */
    async lastDelivered(stream: string): Promise<string> {
      const [group] = (await redis.xinfo('GROUPS', stream)) as string[][]
      return Object.fromEntries(fieldPairs(group!))['last-delivered-id']!
    },
    async deadLetters(stream: string) {
      const raw = (await redis.xrange(deadLetterStream(stream), '-', '+')) as [string, string[]][]
      return raw.map(
        ([id, fields]) => ({ id, ...Object.fromEntries(fieldPairs(fields)) }) as Record<string, string>,
      )
    },
    /** How many times the event's effect was committed. */
    async effectsOf(eventId: string): Promise<number> {
      const [row] = await db.select({ n: count() }).from(effects).where(eq(effects.eventId, eventId))
      return row!.n
    },
    inboxOf: (eventId: string) => db.select().from(inbox).where(eq(inbox.eventId, eventId)),
  }
}

function fieldPairs(fields: string[]): [string, string][] {
  const pairs: [string, string][] = []
  for (let i = 0; i < fields.length; i += 2) pairs.push([fields[i]!, fields[i + 1]!])
  return pairs
}

/** The real bus of a consumer that dies (its connection drops) after committing its effect, before its XACK. */
function killedBeforeAck(bus: Bus) {
  let killed!: () => void
  const died = new Promise<void>((resolve) => (killed = resolve))
  const faulty: Bus = {
    ...bus,
    async ack(stream, group, entryIds) {
      if (entryIds.length === 0) return bus.ack(stream, group, entryIds)
      await bus.close()
      killed()
      throw new Error('consumer killed before XACK')
    },
  }
  return { bus: faulty, died }
}

/** The real bus, telling when a read starts (and whether it blocks). */
function watchedReads(bus: Bus, onRead: (blocking: boolean) => void): Bus {
  return {
    ...bus,
    readGroup(request) {
      onRead(request.blockMs !== undefined)
      return bus.readGroup(request)
    },
  }
}

/**
 * The real bus on a slow link: each XACK goes out `ms` late and a read waits behind it, as commands
 * written to one connection do.
 */
function slowAcks(bus: Bus, ms: number): Bus {
  let sent: Promise<unknown> = Promise.resolve()
  return {
    ...bus,
    ack(stream, group, entryIds) {
      const due = sent.then(() => sleep(ms))
      sent = due
      return due.then(() => bus.ack(stream, group, entryIds))
    },
    readGroup(request) {
      return sent.then(() => bus.readGroup(request))
    },
  }
}

/** A promise the test opens when it likes. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { opened, open }
}

describe('ConsumerGroup', () => {
  it.each([
    // Claiming is put off for a minute, so only draining its own pending entries on start can do it.
    ['restarts under the same name and drains its own pending entries', 'c1', 60_000],
    ['is replaced by another consumer that claims its entry after claimIdleMs', 'c2', 200],
  ])(
    'applies an event exactly once when its consumer, killed between effect and XACK, %s',
    async (_, next, claimIdleMs) => {
      const t = await setup()
      const { bus, died } = killedBeforeAck(createRedisBus(TEST_REDIS_URL))
      const doomed = t.consumer('c1', { bus })
      await doomed.start()
      const event = customerRegistered('cust-1')
      await t.publish(t.streams.customers, event)
      await died
      await doomed.stop()
      expect(await t.effectsOf(event.id)).toBe(1)
      expect(await t.pending()).toBe(1)

      await t.consumer(next, { claimIdleMs }).start()

      await vi.waitFor(async () => expect(await t.pending()).toBe(0), waitLong)
      expect(await t.effectsOf(event.id)).toBe(1)
      expect(await t.inboxOf(event.id)).toHaveLength(1)
      expect(await t.db.select().from(refCustomers)).toEqual([sampleCustomer('cust-1')])
    },
  )

  it('applies an event delivered twice (under two entries, and once more later) once and acknowledges every entry', async () => {
    const t = await setup()
    const event = vehicleRegistered('AB-12-CD')
    const first = await t.publish(t.streams.vehicles, event)
    await t.publish(t.streams.vehicles, event)
    await t.consumer('c1').start()
    await vi.waitFor(async () => expect(await t.pending()).toBe(0), waitLong)

    const third = await t.publish(t.streams.vehicles, event)
    await vi.waitFor(async () => expect(await t.lastDelivered(t.streams.vehicles)).toBe(third), waitLong)
    expect(await t.pending()).toBe(0)

    expect(await t.effectsOf(event.id)).toBe(1)
    expect(await t.inboxOf(event.id)).toMatchObject([{ entryId: first, type: 'VehicleRegistered' }])
    expect(await t.db.select().from(refVehicles)).toEqual([sampleVehicle('AB-12-CD', 'cust-1')])
  })

  it('leaves the jobs read model exactly right when two consumers of one group apply a burst of one planning', async () => {
    const t = await setup()
    const planned = Array.from({ length: 300 }, (_, n) => jobPlanned(n, n + 2))
    const finishedJobs = Array.from({ length: 300 }, (_, n) => n).filter((n) => n % 2 === 0)
    const finished = finishedJobs.map((n, i) => jobFinished(n, 302 + i))
    const events = [
      envelope('WorkshopPlanningCreated', { planningId: DATE, date: DATE }, DATE),
      ...planned,
      ...finished,
    ]
    const pipeline = t.redis.pipeline()
    for (const event of events)
      pipeline.xadd(t.streams.workshop, '*', 'type', event.type, 'event', JSON.stringify(event))
    await pipeline.exec()

    // Small batches, so the two consumers take turns and a job's finish may be applied before its plan.
    const c1 = t.consumer('c1', { batchSize: 8 })
    const c2 = t.consumer('c2', { batchSize: 8, db: await t.anotherConnection() })
    await Promise.all([c1.start(), c2.start()])

    await vi.waitFor(
      async () => expect((await t.db.select({ n: count() }).from(inbox))[0]!.n).toBe(events.length),
      waitLong,
    )
    await vi.waitFor(async () => expect(await t.pending()).toBe(0), waitLong)

    const rows = await t.db.select().from(jobs).orderBy(asc(jobs.jobId))
    expect(rows).toHaveLength(300)
    for (const [n, event] of planned.entries()) {
      const { jobId, startTime, endTime, description } = event.data as Record<string, string>
      const done = jobFinished(n, 0).data as Record<string, string>
      expect(rows.find((r) => r.jobId === jobId)).toEqual({
        jobId,
        date: DATE,
        startTime,
        endTime,
        description,
        customerId: 'cust-1',
        customerName: 'Ann de Vries',
        telephoneNumber: '+31 6 12345678',
        licenseNumber: `AB-12-${n % 3}`,
        brand: 'Opel',
        vehicleType: 'Astra',
        ...(n % 2 === 0
          ? { actualStartTime: done.startTime, actualEndTime: done.endTime, notes: done.notes }
          : { actualStartTime: null, actualEndTime: null, notes: null }),
      })
    }
    const applied = await t.db.select({ eventId: inbox.eventId }).from(inbox)
    expect(applied.map((r) => r.eventId).sort()).toEqual(events.map((e) => e.id).sort())
    const byConsumer = await t.db
      .select({ consumer: effects.consumer, n: count() })
      .from(effects)
      .groupBy(effects.consumer)
    expect(byConsumer.reduce((sum, r) => sum + r.n, 0)).toBe(events.length)
    expect(byConsumer.map((r) => r.consumer).sort()).toEqual(['c1', 'c2'])
  })

  it('ends with the job planned and finished when its MaintenanceJobFinished is applied before its MaintenanceJobPlanned', async () => {
    const t = await setup()
    const planned = jobPlanned(7, 2)
    const finished = jobFinished(7, 3)
    await t.redis.xgroup('CREATE', t.streams.workshop, GROUP, '0', 'MKSTREAM')
    await t.publish(t.streams.workshop, planned)
    await t.publish(t.streams.workshop, finished)
    // A consumer takes the plan and dies with it; the finish is read first, the plan redelivered later.
    await t.redis.xreadgroup('GROUP', GROUP, 'ghost', 'COUNT', 1, 'STREAMS', t.streams.workshop, '>')
    await t.consumer('c1').start()

    await vi.waitFor(async () => expect(await t.pending()).toBe(0), waitLong)
    const order = await t.db.select({ type: inbox.type }).from(inbox).orderBy(asc(inbox.seq))
    expect(order.map((r) => r.type)).toEqual(['MaintenanceJobFinished', 'MaintenanceJobPlanned'])
    const { startTime, endTime, notes } = finished.data as Record<string, string>
    expect(await t.db.select().from(jobs)).toMatchObject([
      {
        jobId: 'job-7',
        date: DATE,
        startTime: (planned.data as Record<string, string>).startTime,
        description: 'Service 7',
        licenseNumber: 'AB-12-1',
        actualStartTime: startTime,
        actualEndTime: endTime,
        notes,
      },
    ])
  })

  it('dead-letters a poison event with its error and goes on applying the events after it', async () => {
    const t = await setup()
    const consumer = t.consumer('c1')
    await consumer.start()
    const notJson = await t.publish(t.streams.vehicles, '{"id": "no closing brace"')
    const incomplete = {
      ...vehicleRegistered('AB-12-CD'),
      data: { licenseNumber: 'AB-12-CD', type: 'Astra' },
    }
    const breaksContract = await t.publish(t.streams.vehicles, incomplete)
    const good = vehicleRegistered('XY-99-Z')
    await t.publish(t.streams.vehicles, good)

    await vi.waitFor(async () => expect(await t.effectsOf(good.id)).toBe(1), waitLong)
    const letters = await t.deadLetters(t.streams.vehicles)
    expect(letters).toMatchObject([
      { group: GROUP, stream: t.streams.vehicles, entryId: notJson, error: 'event field is not JSON' },
      {
        group: GROUP,
        stream: t.streams.vehicles,
        entryId: breaksContract,
        event: JSON.stringify(incomplete),
      },
    ])
    expect(letters[1]!.error).toMatch(/does not match its contract: .*data\.brand/)
    expect(letters[1]!.error).toMatch(/data\.ownerId/)

    const later = customerRegistered('cust-2')
    await t.publish(t.streams.customers, later)
    await vi.waitFor(async () => expect(await t.effectsOf(later.id)).toBe(1), waitLong)
    expect(await t.pending()).toBe(0)
    expect(await t.db.select().from(refVehicles)).toEqual([sampleVehicle('XY-99-Z', 'cust-1')])
    expect(await t.inboxOf(incomplete.id)).toEqual([])
  })

  it('retries an event whose handler keeps failing, dead-letters it after maxDeliveries and re-drives it once fixed', async () => {
    const t = await setup()
    const broken = customerRegistered('cust-broken')
    let failing = true
    const projection = recorded(t.db, 'c1')
    const consumer = t.consumer('c1', {
      handle: (event) => {
        if (failing && event.id === broken.id) throw new Error('read model locked by a migration')
        return projection(event)
      },
    })
    await consumer.start()
    await t.publish(t.streams.customers, broken)
    const after = customerRegistered('cust-after')
    await t.publish(t.streams.customers, after)

    await vi.waitFor(async () => expect(await t.deadLetters(t.streams.customers)).toHaveLength(1), waitLong)
    expect(await t.deadLetters(t.streams.customers)).toMatchObject([
      {
        group: GROUP,
        deliveries: '3',
        error: 'read model locked by a migration',
        event: JSON.stringify(broken),
      },
    ])
    expect(await t.effectsOf(after.id)).toBe(1)
    expect(await t.effectsOf(broken.id)).toBe(0)
    expect(await t.pending()).toBe(0)

    expect(await consumer.redrive()).toBe(0) // the cause is still there: the letter stays
    expect(await t.deadLetters(t.streams.customers)).toHaveLength(1)

    failing = false
    expect(await consumer.redrive()).toBe(1)
    expect(await t.deadLetters(t.streams.customers)).toEqual([])
    expect(await t.effectsOf(broken.id)).toBe(1)
    expect(await t.inboxOf(broken.id)).toHaveLength(1)
    expect(
      await t.db.select().from(refCustomers).where(eq(refCustomers.customerId, 'cust-broken')),
    ).toHaveLength(1)
    expect(await consumer.redrive()).toBe(0)
  })

  it.each([
    ['Redis is flushed', 'flushAll'],
    ['Redis restarts empty', 'restart'],
  ] as const)('recreates its group and applies events published afterwards when %s', async (_, fault) => {
    const redis = await startPrivateRedis()
    cleanups.push(() => redis.stop())
    const t = await setup(redis.url)
    await t.consumer('c1').start()
    const before = customerRegistered('cust-1')
    await t.publish(t.streams.customers, before, '1-0')
    await vi.waitFor(async () => expect(await t.effectsOf(before.id)).toBe(1), waitLong)

    await redis[fault]()
    // As the relay does after a flush: the outbox again from the start, then what is new.
    await t.publish(t.streams.customers, before, '1-0')
    const after = customerRegistered('cust-2')
    await t.publish(t.streams.customers, after, '2-0')
    const vehicle = vehicleRegistered('AB-12-CD')
    await t.publish(t.streams.vehicles, vehicle)

    await vi.waitFor(async () => expect(await t.effectsOf(after.id)).toBe(1), waitLong)
    await vi.waitFor(async () => expect(await t.effectsOf(vehicle.id)).toBe(1), waitLong)
    expect(await t.effectsOf(before.id)).toBe(1)
    await vi.waitFor(async () => expect(await t.pending()).toBe(0), waitLong)
  })

  it('stop() lets the batch in hand finish and acknowledges it', async () => {
    const t = await setup()
    const events = [customerRegistered('cust-1'), customerRegistered('cust-2'), customerRegistered('cust-3')]
    for (const event of events) await t.publish(t.streams.customers, event)
    const inHand = gate()
    const release = gate()
    const projection = recorded(t.db, 'c1')
    let readsAfterStop = 0
    let stopping = false
    const consumer = t.consumer('c1', {
      bus: watchedReads(createRedisBus(TEST_REDIS_URL), () => {
        if (stopping) readsAfterStop++
      }),
      handle: async (event) => {
        inHand.open()
        await release.opened
        return projection(event)
      },
    })
    await consumer.start()
    await inHand.opened

    stopping = true
    let stopped = false
    const stop = consumer.stop().then(() => (stopped = true))
    await sleep(200)
    expect(stopped).toBe(false)
    release.open()
    await stop

    expect(readsAfterStop).toBe(0)
    for (const event of events) expect(await t.effectsOf(event.id)).toBe(1)
    expect(await t.pending()).toBe(0)
  })

  it('stop() finishes a batch claimed from a dead consumer without reading again', async () => {
    const t = await setup()
    const event = customerRegistered('cust-1')
    await t.redis.xgroup('CREATE', t.streams.customers, GROUP, '0', 'MKSTREAM')
    await t.publish(t.streams.customers, event)
    await t.redis.xreadgroup('GROUP', GROUP, 'ghost', 'COUNT', 1, 'STREAMS', t.streams.customers, '>')
    await sleep(250)
    const inHand = gate()
    const release = gate()
    const projection = recorded(t.db, 'c1')
    let readsAfterStop = 0
    let stopping = false
    const consumer = t.consumer('c1', {
      bus: watchedReads(createRedisBus(TEST_REDIS_URL), () => {
        if (stopping) readsAfterStop++
      }),
      blockMs: 10_000,
      claimIdleMs: 200,
      handle: async (e) => {
        inHand.open()
        await release.opened
        return projection(e)
      },
    })
    await consumer.start()
    await inHand.opened

    stopping = true
    const stopped = consumer.stop()
    release.open()
    const startedAt = Date.now()
    await stopped

    expect(readsAfterStop).toBe(0)
    expect(Date.now() - startedAt).toBeLessThan(150)
    expect(await t.effectsOf(event.id)).toBe(1)
    expect(await t.pending()).toBe(0)
  })

  it('stop() returns promptly while blocked in a read', async () => {
    const t = await setup()
    const reading = gate()
    const consumer = t.consumer('c1', {
      bus: watchedReads(createRedisBus(TEST_REDIS_URL), (blocking) => blocking && reading.open()),
      blockMs: 10_000,
      claimIdleMs: 60_000,
    })
    await consumer.start()
    await reading.opened
    await sleep(50) // the XREADGROUP is now blocking in Redis

    const startedAt = Date.now()
    await consumer.stop()
    expect(Date.now() - startedAt).toBeLessThan(500)
    expect(await t.pending()).toBe(0)
  })

  it('stop() while blocked in the next read acknowledges the batch applied before it, even when its XACK goes out late', async () => {
    const t = await setup()
    const events = [customerRegistered('cust-1'), customerRegistered('cust-2'), vehicleRegistered('AB-12-CD')]
    await t.publish(t.streams.customers, events[0]!)
    await t.publish(t.streams.customers, events[1]!)
    await t.publish(t.streams.vehicles, events[2]!)
    // The first blocking read takes all three; the second starts only once their batch is committed
    // and its XACKs are on their way. Held back, those XACKs reach Redis only after stop() has begun:
    // closing the connection before they have their replies would leave the entries pending.
    let blockingReads = 0
    const nextRead = gate()
    const consumer = t.consumer('c1', {
      bus: watchedReads(
        slowAcks(createRedisBus(TEST_REDIS_URL), 50),
        (blocking) => blocking && ++blockingReads === 2 && nextRead.open(),
      ),
      blockMs: 10_000,
      claimIdleMs: 60_000,
    })
    await consumer.start()
    await nextRead.opened

    const startedAt = Date.now()
    await consumer.stop()
    // Waiting for the acknowledgement must not mean waiting out the read.
    expect(Date.now() - startedAt).toBeLessThan(1_000)
    expect(await t.pending()).toBe(0)
    for (const event of events) expect(await t.effectsOf(event.id)).toBe(1)
  })

  describe('poll() (hosts that cannot block: workerd cron and alarms)', () => {
    it('applies everything published, never blocks, and returns when the streams are empty', async () => {
      const t = await setup()
      const events = [customerRegistered('cust-1'), vehicleRegistered('AB-12-CD'), jobPlanned(0, 1)]
      await t.publish(t.streams.customers, events[0]!)
      await t.publish(t.streams.vehicles, events[1]!)
      await t.publish(t.streams.workshop, events[2]!)
      let blockingReads = 0
      const consumer = t.consumer('edge', {
        bus: watchedReads(createRedisBus(TEST_REDIS_URL), (blocking) => blocking && blockingReads++),
        batchSize: 1,
      })

      expect(await consumer.poll(5_000)).toBe(3)
      expect(await consumer.poll(5_000)).toBe(0)

      expect(blockingReads).toBe(0)
      expect(await t.pending()).toBe(0)
      for (const event of events) expect(await t.effectsOf(event.id)).toBe(1)
      expect(await t.db.select().from(jobs)).toHaveLength(1)
    })

    it('stops reading new entries once its budget is spent and takes them up on the next poll', async () => {
      const t = await setup()
      for (let i = 0; i < 3; i++) await t.publish(t.streams.customers, customerRegistered(`cust-${i}`))
      const consumer = t.consumer('edge', { batchSize: 1 })

      expect(await consumer.poll(0)).toBe(0)
      expect(await consumer.poll(5_000)).toBe(3)
      expect(await t.db.select().from(refCustomers)).toHaveLength(3)
    })

    it('first applies the entries an earlier invocation left pending, its own and idle ones of others', async () => {
      const t = await setup()
      const own = customerRegistered('cust-own')
      const orphaned = customerRegistered('cust-orphaned')
      await t.publish(t.streams.customers, own)
      await t.publish(t.streams.customers, orphaned)
      await t.redis.xgroup('CREATE', t.streams.customers, GROUP, '0')
      // Delivered, never acknowledged: one to this consumer's name, one to a consumer that died.
      await t.redis.xreadgroup('GROUP', GROUP, 'edge', 'COUNT', 1, 'STREAMS', t.streams.customers, '>')
      await t.redis.xreadgroup('GROUP', GROUP, 'gone', 'COUNT', 1, 'STREAMS', t.streams.customers, '>')
      await sleep(250) // past claimIdleMs

      expect(await t.consumer('edge').poll(5_000)).toBe(2)
      expect(await t.pending()).toBe(0)
      expect(await t.effectsOf(own.id)).toBe(1)
      expect(await t.effectsOf(orphaned.id)).toBe(1)
    })
  })
})

describe('ConsumerGroup positions, gaps and catch-up', () => {
  /** What the producer's outbox would hold: every event published so far, by stream. */
  function outboxOf(t: Awaited<ReturnType<typeof setup>>) {
    const rows = new Map<string, { id: string; fields: Record<string, string> }[]>()
    return {
      async publish(stream: string, event: Envelope) {
        const id = await t.publish(stream, event)
        rows.set(stream, [
          ...(rows.get(stream) ?? []),
          { id, fields: { type: event.type, event: JSON.stringify(event) } },
        ])
        return id
      },
      catchUp: (async (stream, fromSeq, toSeq, count) =>
        (rows.get(stream) ?? [])
          .filter(({ id }) => {
            const seq = Number(id.split('-')[0])
            return seq >= fromSeq && seq <= toSeq
          })
          .slice(0, count)) satisfies ConsumerGroupOptions['catchUp'],
    }
  }
  const positionOf = async (t: Awaited<ReturnType<typeof setup>>, stream: string) =>
    (await t.db.select().from(consumerPositions).where(eq(consumerPositions.sourceStream, stream)))[0]?.seq

  it('records how far it applied each stream in its own database', async () => {
    const t = await setup()
    for (const plate of ['AB-12-1', 'AB-12-2', 'AB-12-3'])
      await t.publish(t.streams.vehicles, vehicleRegistered(plate))
    await t.consumer('c1').start()

    await vi.waitFor(async () => expect(await positionOf(t, t.streams.vehicles)).toBe(3), waitLong)
    expect(await positionOf(t, t.streams.customers)).toBeUndefined()
  })

  it('fetches from the producer what the stream had trimmed before the group joined, each event once', async () => {
    const t = await setup()
    const outbox = outboxOf(t)
    const events = ['AB-12-1', 'AB-12-2', 'AB-12-3', 'AB-12-4', 'AB-12-5'].map(vehicleRegistered)
    for (const event of events) await outbox.publish(t.streams.vehicles, event)
    await t.redis.xtrim(t.streams.vehicles, 'MINID', '4-0')

    await t.consumer('c1', { catchUp: outbox.catchUp }).start()

    await vi.waitFor(async () => expect(await positionOf(t, t.streams.vehicles)).toBe(5), waitLong)
    for (const event of events) expect(await t.effectsOf(event.id)).toBe(1)
    expect((await t.consumer('probe').health()).gaps).toEqual([])
  })

  it('without a way to the producer, applies what the stream holds, reports the gap, and fills it once the producer is reachable', async () => {
    const t = await setup()
    const outbox = outboxOf(t)
    const events = ['AB-12-1', 'AB-12-2', 'AB-12-3', 'AB-12-4', 'AB-12-5'].map(vehicleRegistered)
    for (const event of events) await outbox.publish(t.streams.vehicles, event)
    await t.redis.xtrim(t.streams.vehicles, 'MINID', '4-0')

    const blind = t.consumer('c1')
    await blind.start()
    await vi.waitFor(async () => expect(await positionOf(t, t.streams.vehicles)).toBe(5), waitLong)
    expect((await blind.health()).gaps).toEqual([{ stream: t.streams.vehicles, fromSeq: 1, toSeq: 3 }])
    expect(await t.effectsOf(events[0]!.id)).toBe(0)
    expect(await t.effectsOf(events[4]!.id)).toBe(1)

    expect(await t.consumer('operator', { catchUp: outbox.catchUp }).fillGaps()).toEqual({
      filled: 1,
      remaining: 0,
    })
    for (const event of events) expect(await t.effectsOf(event.id)).toBe(1)
    expect((await blind.health()).gaps).toEqual([])
  })

  it('does not take entries other consumers of the group hold for a gap', async () => {
    const t = await setup()
    const events = ['AB-12-1', 'AB-12-2', 'AB-12-3'].map(vehicleRegistered)
    for (const event of events) await t.publish(t.streams.vehicles, event)
    // Another consumer holds 1 and 2; this one reads 3 first.
    await t.redis.xgroup('CREATE', t.streams.vehicles, GROUP, '0')
    await t.redis.xreadgroup('GROUP', GROUP, 'other', 'COUNT', 2, 'STREAMS', t.streams.vehicles, '>')

    await t.consumer('c1', { claimIdleMs: 60_000 }).start()
    await vi.waitFor(async () => expect(await t.effectsOf(events[2]!.id)).toBe(1), waitLong)
    expect((await t.consumer('probe').health()).gaps).toEqual([])
  })

  it('fetches a pending entry trimmed from the stream instead of dead-lettering it as not JSON', async () => {
    const t = await setup()
    const outbox = outboxOf(t)
    const events = ['AB-12-1', 'AB-12-2'].map(vehicleRegistered)
    for (const event of events) await outbox.publish(t.streams.vehicles, event)
    // A consumer dies holding entry 1, which is then trimmed away.
    await t.redis.xgroup('CREATE', t.streams.vehicles, GROUP, '0')
    await t.redis.xreadgroup('GROUP', GROUP, 'ghost', 'COUNT', 1, 'STREAMS', t.streams.vehicles, '>')
    await t.redis.xtrim(t.streams.vehicles, 'MINID', '2-0')
    await sleep(250) // past claimIdleMs

    await t.consumer('c1', { catchUp: outbox.catchUp }).start()

    await vi.waitFor(async () => expect(await t.effectsOf(events[0]!.id)).toBe(1), waitLong)
    await vi.waitFor(async () => expect(await t.pending()).toBe(0), waitLong)
    expect(await t.deadLetters(t.streams.vehicles)).toEqual([])
  })

  it('applies again what a database restored from a backup lost, once', async () => {
    const t = await setup()
    const events = ['AB-12-1', 'AB-12-2', 'AB-12-3'].map(vehicleRegistered)
    for (const event of events) await t.publish(t.streams.vehicles, event)
    const first = t.consumer('c1')
    await first.start()
    await vi.waitFor(async () => expect(await positionOf(t, t.streams.vehicles)).toBe(3), waitLong)
    await first.stop()
    // The database goes back to when only the first event was applied; Redis remembers all three acknowledged.
    const lost = events.slice(1).map((e) => e.id)
    await t.db.delete(effects).where(inArray(effects.eventId, lost))
    await t.db.delete(inbox).where(inArray(inbox.eventId, lost))
    await t.db.update(consumerPositions).set({ seq: 1 })

    await t.consumer('c1').start()

    await vi.waitFor(async () => expect(await positionOf(t, t.streams.vehicles)).toBe(3), waitLong)
    for (const event of events) expect(await t.effectsOf(event.id)).toBe(1)
  })

  it('leaves the group where it is when the entries past its position are only in flight', async () => {
    const t = await setup()
    const events = ['AB-12-1', 'AB-12-2'].map(vehicleRegistered)
    for (const event of events) await t.publish(t.streams.vehicles, event)
    await t.redis.xgroup('CREATE', t.streams.vehicles, GROUP, '0')
    await t.redis.xreadgroup('GROUP', GROUP, 'ghost', 'COUNT', 2, 'STREAMS', t.streams.vehicles, '>')

    await t.consumer('c1', { claimIdleMs: 60_000 }).start()
    await sleep(200)
    expect(await t.lastDelivered(t.streams.vehicles)).toBe('2-0')
    expect(await t.effectsOf(events[0]!.id)).toBe(0) // still the ghost's, until claimed
  })

  it('keeps a gap open at an event from the outbox that fails, instead of passing it by', async () => {
    const t = await setup()
    const outbox = outboxOf(t)
    const events = ['AB-12-1', 'AB-12-2', 'AB-12-3', 'AB-12-4'].map(vehicleRegistered)
    for (const event of events) await outbox.publish(t.streams.vehicles, event)
    await t.redis.xtrim(t.streams.vehicles, 'MINID', '4-0')
    const failing = events[1]!.id
    const handle: EventHandler = (event) => {
      if (event.id === failing) throw new Error('handler broken for this one')
      return recorded(t.db, 'c1')(event)
    }

    const consumer = t.consumer('c1', { catchUp: outbox.catchUp, handle })
    await consumer.start()

    await vi.waitFor(async () => expect(await t.effectsOf(events[3]!.id)).toBe(1), waitLong)
    expect(await t.effectsOf(events[0]!.id)).toBe(1)
    expect(await t.effectsOf(events[2]!.id)).toBe(0)
    expect((await consumer.health()).gaps).toEqual([{ stream: t.streams.vehicles, fromSeq: 2, toSeq: 3 }])
  })

  it('takes no position from a stray entry, so a later gap is still noticed', async () => {
    const t = await setup()
    const stray = vehicleRegistered('ST-12-1')
    await t.publish(t.streams.vehicles, vehicleRegistered('AB-12-1'))
    await t.redis.xadd(t.streams.vehicles, '*', 'type', stray.type, 'event', JSON.stringify(stray))
    const consumer = t.consumer('c1')
    await consumer.start()
    await vi.waitFor(async () => expect(await t.effectsOf(stray.id)).toBe(1), waitLong)
    expect(await positionOf(t, t.streams.vehicles)).toBe(1)
  })

  it('applies again what a restored database lost even while other entries are pending', async () => {
    const t = await setup()
    const events = ['AB-12-1', 'AB-12-2', 'AB-12-3', 'AB-12-4', 'AB-12-5'].map(vehicleRegistered)
    for (const event of events.slice(0, 3)) await t.publish(t.streams.vehicles, event)
    const first = t.consumer('c1')
    await first.start()
    await vi.waitFor(async () => expect(await positionOf(t, t.streams.vehicles)).toBe(3), waitLong)
    await first.stop()
    for (const event of events.slice(3)) await t.publish(t.streams.vehicles, event)
    // Another consumer holds the last two, in flight.
    await t.redis.xreadgroup('GROUP', GROUP, 'other', 'COUNT', 2, 'STREAMS', t.streams.vehicles, '>')
    const lost = events.slice(1, 3).map((e) => e.id)
    await t.db.delete(effects).where(inArray(effects.eventId, lost))
    await t.db.delete(inbox).where(inArray(inbox.eventId, lost))
    await t.db.update(consumerPositions).set({ seq: 1 })

    await t.consumer('c1', { claimIdleMs: 60_000 }).start()

    await vi.waitFor(async () => expect(await t.effectsOf(lost[1]!)).toBe(1), waitLong)
    expect(await t.effectsOf(lost[0]!)).toBe(1)
  })

  it('reads nothing of a group another database owns, says so, and starts once that claim is gone', async () => {
    const t = await setup()
    const claims = Object.values(t.streams).map((stream) => `${stream}.group.${GROUP}`)
    for (const key of claims) await t.redis.set(key, 'another-database')
    const event = vehicleRegistered('AB-12-1')
    await t.publish(t.streams.vehicles, event)
    const consumer = t.consumer('c1')
    await consumer.start()
    await sleep(300)
    expect(await t.effectsOf(event.id)).toBe(0)
    expect((await consumer.health()).problem).toMatch(/belongs to another database/)

    await t.redis.del(...claims)

    await vi.waitFor(async () => expect(await t.effectsOf(event.id)).toBe(1), waitLong)
    expect((await consumer.health()).problem).toBeUndefined()
  })

  it('forgets consumers with nothing pending that have not read for two claim periods', async () => {
    const t = await setup()
    for (const plate of ['AB-12-1', 'AB-12-2', 'AB-12-3'])
      await t.publish(t.streams.vehicles, vehicleRegistered(plate))
    await t.redis.xgroup('CREATE', t.streams.vehicles, GROUP, '0')
    // Each reads (and acknowledges) one entry, so both exist with nothing pending.
    for (const [name, id] of [
      ['gone', '1-0'],
      ['recent', '2-0'],
    ] as const) {
      await t.redis.xreadgroup('GROUP', GROUP, name, 'COUNT', 1, 'STREAMS', t.streams.vehicles, '>')
      await t.redis.xack(t.streams.vehicles, GROUP, id)
    }
    const names = async () =>
      ((await t.redis.xinfo('CONSUMERS', t.streams.vehicles, GROUP)) as string[][]).map((c) => c[1]).sort()
    expect(await names()).toEqual(['gone', 'recent'])
    await sleep(2_200)
    // `gone` is now idle for more than two claim periods (2 × 1 s), `recent` reads again and is not.
    await t.redis.xreadgroup('GROUP', GROUP, 'recent', 'COUNT', 1, 'STREAMS', t.streams.vehicles, '0')

    await t.consumer('c1', { claimIdleMs: 1_000 }).start()

    await vi.waitFor(async () => expect(await names()).toEqual(['c1', 'recent']), waitLong)
  })
})

describe('ConsumerGroup dead letters', () => {
  it('lists every dead letter of the group, past the first page, and not those of other groups', async () => {
    const t = await setup()
    const bus = createRedisBus(TEST_REDIS_URL)
    cleanups.push(() => bus.close())
    const letter = (i: number, group = GROUP) => ({
      group,
      entry: { id: `${i}-0`, fields: { type: 'VehicleRegistered', event: '{}' } },
      error: 'boom',
      deliveries: 1,
    })
    for (let i = 1; i <= 2_500; i++) await bus.deadLetter(t.streams.vehicles, letter(i))
    await bus.deadLetter(t.streams.vehicles, letter(9_999, 'someone-else'))

    const listed = await t.consumer('c1').deadLetters()
    expect(listed).toHaveLength(2_500)
    expect(listed.at(-1)!.letter.fields.entryId).toBe('2500-0')
  })
})
