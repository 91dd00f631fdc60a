import { asc, count, eq, inArray } from 'drizzle-orm'
import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { Redis } from 'ioredis'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { deadLetterStream, serviceStream, type Bus } from '../bus/bus.ts'
import { createRedisBus } from '../bus/redis-bus.ts'
import { newUuidV7, systemClock } from '../clock.ts'
import type { Envelope } from '../contracts/index.ts'
import { connectDatabase, type Database, type Db } from '../db/database.ts'
import { consumerPositions, inbox } from '../db/kernel-schema.ts'
import { toEnvelopes, type UnwrappedEvent } from '../envelope.ts'
import { createLogger } from '../logger.ts'
import { openFixtureDatabase } from '../testing/fixture-database.ts'
import { deleteKeys, startPrivateRedis, TEST_REDIS_URL, uniquePrefix } from '../testing/redis.ts'
import type { TodoEvent } from '../testing/todo-list.ts'
import { todoReadModel } from '../testing/todo-read-model.ts'
import { memberJoined, members, sampleMember, todos } from '../testing/todo-schema.ts'
import { ConsumerGroup, type ConsumerGroupOptions, type EventHandler } from './consumer-group.ts'

const GROUP = 'board'
const LIST = 'list-1'
const metadata = { correlationId: 'consumer-test', causationId: 'consumer-test', actor: 'test' }
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const waitLong = { timeout: 10_000, interval: 25 }

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

// One row per application of an event, written in the same batch as the read model's statements. The
// read model only inserts and upserts, so applying an event twice would leave its tables unchanged;
// this would not.
const effects = sqliteTable('test_effects', {
  seq: integer('seq').primaryKey({ autoIncrement: true }),
  eventId: text('event_id').notNull(),
  consumer: text('consumer').notNull(),
})

/** The to-do fixture's read model, recording each application in `test_effects`. */
function recorded(db: Db, consumer: string): EventHandler {
  const project = todoReadModel(db)
  return async (event) => [
    ...(await project(event)),
    db.insert(effects).values({ eventId: event.id, consumer }),
  ]
}

const envelope = (event: UnwrappedEvent, stream: string, after = 0): Envelope =>
  toEnvelopes([event], { stream, after, metadata, clock: systemClock, newId: newUuidV7 })[0]!

const joined = (memberId: string) => envelope(memberJoined(memberId), memberId)

const todoEvent = (event: TodoEvent, position: number) => envelope(event, LIST, position - 1)
const opened = () => todoEvent({ type: 'TodoListOpened', version: 1, data: { listId: LIST } }, 1)
/** To-do `n` of the list, added after the list was opened. */
const added = (n: number) =>
  todoEvent(
    { type: 'TodoAdded', version: 1, data: { listId: LIST, todoId: `t-${n}`, text: `Do ${n}` } },
    n + 2,
  )
const done = (n: number, position: number) =>
  todoEvent({ type: 'TodoDone', version: 1, data: { listId: LIST, todoId: `t-${n}` } }, position)

/** The read model's row for to-do `n` once added, and done by `finished` if given. */
const todoRow = (n: number, finished?: Envelope) => ({
  todoId: `t-${n}`,
  listId: LIST,
  text: `Do ${n}`,
  doneAt: finished?.occurredAt ?? null,
})

/**
 * A database with the kernel's tables in a fresh directory, the members and todo streams under a
 * fresh prefix on `redisUrl`, and helpers to publish, run consumers and look at the outcome. Everything
 * (consumers, connections, keys, files) is undone after the test.
 */
async function setup(redisUrl = TEST_REDIS_URL) {
  const dir = await mkdtemp(join(tmpdir(), 'pitstop-consumer-'))
  const url = `file:${join(dir, 'board.db')}`
  const clients: Database[] = [await openFixtureDatabase(url, { tables: { effects } })]
  const { db } = clients[0]!
  const prefix = uniquePrefix('consumer')
  const streams = {
    members: serviceStream(prefix, 'members'),
    todo: serviceStream(prefix, 'todo'),
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
    /** A consumer of the group reading both streams, as a host builds it (not started). */
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
      const database = await connectDatabase(url)
      clients.push(database)
      return database.db
    },
    /**
     * XADDs like the relay does: the next outbox seq as id (unless given), `type`, the JSON envelope
     * (or any text) in `event`, and the publisher's origin.
     */
    async publish(stream: string, event: Envelope | string, id?: string): Promise<string> {
      const [type, body] =
        typeof event === 'string' ? ['TodoAdded', event] : [event.type, JSON.stringify(event)]
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
      const event = joined('m-1')
      await t.publish(t.streams.members, event)
      await died
      await doomed.stop()
      expect(await t.effectsOf(event.id)).toBe(1)
      expect(await t.pending()).toBe(1)

      await t.consumer(next, { claimIdleMs }).start()

      await vi.waitFor(async () => expect(await t.pending()).toBe(0), waitLong)
      expect(await t.effectsOf(event.id)).toBe(1)
      expect(await t.inboxOf(event.id)).toHaveLength(1)
      expect(await t.db.select().from(members)).toEqual([sampleMember('m-1')])
    },
  )

  it('applies an event delivered twice (under two entries, and once more later) once and acknowledges every entry', async () => {
    const t = await setup()
    const event = added(1)
    const first = await t.publish(t.streams.todo, event)
    const second = await t.publish(t.streams.todo, event)
    await t.consumer('c1').start()
    // Both read and acknowledged before the third goes out, so that one comes in a read of its own.
    await vi.waitFor(async () => expect(await t.lastDelivered(t.streams.todo)).toBe(second), waitLong)
    await vi.waitFor(async () => expect(await t.pending()).toBe(0), waitLong)

    const third = await t.publish(t.streams.todo, event)
    await vi.waitFor(async () => expect(await t.lastDelivered(t.streams.todo)).toBe(third), waitLong)
    await vi.waitFor(async () => expect(await t.pending()).toBe(0), waitLong)

    expect(await t.effectsOf(event.id)).toBe(1)
    expect(await t.inboxOf(event.id)).toMatchObject([{ entryId: first, type: 'TodoAdded' }])
    expect(await t.db.select().from(todos)).toEqual([todoRow(1)])
  })

  it('leaves the read model exactly right when two consumers of one group apply a burst of one list', async () => {
    const t = await setup()
    const addedTodos = Array.from({ length: 300 }, (_, n) => added(n))
    // Every other to-do is done.
    const doneTodos = new Map(Array.from({ length: 150 }, (_, i) => [2 * i, done(2 * i, 302 + i)]))
    const events = [opened(), ...addedTodos, ...doneTodos.values()]
    const pipeline = t.redis.pipeline()
    for (const event of events)
      pipeline.xadd(t.streams.todo, '*', 'type', event.type, 'event', JSON.stringify(event))
    await pipeline.exec()

    // Small batches, so the two consumers take turns and a to-do may be done before it is added.
    const c1 = t.consumer('c1', { batchSize: 8 })
    const c2 = t.consumer('c2', { batchSize: 8, db: await t.anotherConnection() })
    await Promise.all([c1.start(), c2.start()])

    await vi.waitFor(
      async () => expect((await t.db.select({ n: count() }).from(inbox))[0]!.n).toBe(events.length),
      waitLong,
    )
    await vi.waitFor(async () => expect(await t.pending()).toBe(0), waitLong)

    const rows = await t.db.select().from(todos).orderBy(asc(todos.todoId))
    expect(rows).toHaveLength(300)
    for (let n = 0; n < 300; n++)
      expect(rows.find((r) => r.todoId === `t-${n}`)).toEqual(todoRow(n, doneTodos.get(n)))
    const applied = await t.db.select({ eventId: inbox.eventId }).from(inbox)
    expect(applied.map((r) => r.eventId).sort()).toEqual(events.map((e) => e.id).sort())
    const byConsumer = await t.db
      .select({ consumer: effects.consumer, n: count() })
      .from(effects)
      .groupBy(effects.consumer)
    expect(byConsumer.reduce((sum, r) => sum + r.n, 0)).toBe(events.length)
    expect(byConsumer.map((r) => r.consumer).sort()).toEqual(['c1', 'c2'])
  })

  it('ends with the to-do added and done when its TodoDone is applied before its TodoAdded', async () => {
    const t = await setup()
    const todo = added(7)
    const finished = done(7, 10)
    await t.redis.xgroup('CREATE', t.streams.todo, GROUP, '0', 'MKSTREAM')
    await t.publish(t.streams.todo, todo)
    await t.publish(t.streams.todo, finished)
    // A consumer takes the add and dies with it; the done is read first, the add redelivered later.
    await t.redis.xreadgroup('GROUP', GROUP, 'ghost', 'COUNT', 1, 'STREAMS', t.streams.todo, '>')
    await t.consumer('c1').start()

    await vi.waitFor(async () => expect(await t.pending()).toBe(0), waitLong)
    const order = await t.db.select({ type: inbox.type }).from(inbox).orderBy(asc(inbox.seq))
    expect(order.map((r) => r.type)).toEqual(['TodoDone', 'TodoAdded'])
    expect(await t.db.select().from(todos)).toEqual([todoRow(7, finished)])
  })

  it('dead-letters a poison event with its error and goes on applying the events after it', async () => {
    const t = await setup()
    const consumer = t.consumer('c1')
    await consumer.start()
    const notJson = await t.publish(t.streams.todo, '{"id": "no closing brace"')
    // A type in the contracts is checked against its contract, which wants a brand and an owner here.
    const incomplete = envelope(
      { type: 'VehicleRegistered', data: { licenseNumber: 'AB-12-CD', type: 'Astra' } },
      'AB-12-CD',
    )
    const breaksContract = await t.publish(t.streams.todo, incomplete)
    // Any other type is checked against the envelope every event carries.
    const undated = { ...added(1), occurredAt: 'yesterday' }
    const breaksEnvelope = await t.publish(t.streams.todo, undated)
    const good = added(2)
    await t.publish(t.streams.todo, good)

    await vi.waitFor(async () => expect(await t.effectsOf(good.id)).toBe(1), waitLong)
    const letters = await t.deadLetters(t.streams.todo)
    expect(letters).toMatchObject([
      { group: GROUP, stream: t.streams.todo, entryId: notJson, error: 'event field is not JSON' },
      {
        group: GROUP,
        stream: t.streams.todo,
        entryId: breaksContract,
        event: JSON.stringify(incomplete),
      },
      { group: GROUP, stream: t.streams.todo, entryId: breaksEnvelope, event: JSON.stringify(undated) },
    ])
    expect(letters[1]!.error).toMatch(/does not match its contract: .*data\.brand/)
    expect(letters[1]!.error).toMatch(/data\.ownerId/)
    expect(letters[2]!.error).toMatch(/does not match its contract: occurredAt/)

    const later = joined('m-2')
    await t.publish(t.streams.members, later)
    await vi.waitFor(async () => expect(await t.effectsOf(later.id)).toBe(1), waitLong)
    expect(await t.pending()).toBe(0)
    expect(await t.db.select().from(todos)).toEqual([todoRow(2)])
    expect(await t.inboxOf(incomplete.id)).toEqual([])
    expect(await t.inboxOf(undated.id)).toEqual([])
  })

  it('retries an event whose handler keeps failing, dead-letters it after maxDeliveries and re-drives it once fixed', async () => {
    const t = await setup()
    const broken = joined('m-broken')
    let failing = true
    const projection = recorded(t.db, 'c1')
    const consumer = t.consumer('c1', {
      handle: (event) => {
        if (failing && event.id === broken.id) throw new Error('read model locked by a migration')
        return projection(event)
      },
    })
    await consumer.start()
    await t.publish(t.streams.members, broken)
    const after = joined('m-after')
    await t.publish(t.streams.members, after)

    await vi.waitFor(async () => expect(await t.deadLetters(t.streams.members)).toHaveLength(1), waitLong)
    expect(await t.deadLetters(t.streams.members)).toMatchObject([
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
    expect(await t.deadLetters(t.streams.members)).toHaveLength(1)

    failing = false
    expect(await consumer.redrive()).toBe(1)
    expect(await t.deadLetters(t.streams.members)).toEqual([])
    expect(await t.effectsOf(broken.id)).toBe(1)
    expect(await t.inboxOf(broken.id)).toHaveLength(1)
    expect(await t.db.select().from(members).where(eq(members.memberId, 'm-broken'))).toHaveLength(1)
    expect(await consumer.redrive()).toBe(0)
  })

  it('decides again at once, within the delivery, an event whose batch lost to another writer on a constraint', async () => {
    const t = await setup()
    const projection = recorded(t.db, 'c1')
    const contested = joined('m-contested')
    // Its first two decisions insert a row another writer has taken, as a stale aggregate or stock would.
    let losses = 2
    const consumer = t.consumer('c1', {
      maxDeliveries: 1,
      handle: async (event) =>
        event.id === contested.id && losses-- > 0
          ? [t.db.insert(members).values(sampleMember('m-taken'))]
          : projection(event),
    })
    await consumer.start()
    const taken = joined('m-taken')
    await t.publish(t.streams.members, taken)
    await vi.waitFor(async () => expect(await t.effectsOf(taken.id)).toBe(1), waitLong)

    await t.publish(t.streams.members, contested)
    await vi.waitFor(async () => expect(await t.effectsOf(contested.id)).toBe(1), waitLong)
    expect(losses).toBeLessThan(0)
    expect(await t.deadLetters(t.streams.members)).toEqual([])
    await vi.waitFor(async () => expect(await t.pending()).toBe(0), waitLong)
  })

  it.each([
    ['Redis is flushed', 'flushAll'],
    ['Redis restarts empty', 'restart'],
  ] as const)('recreates its group and applies events published afterwards when %s', async (_, fault) => {
    const redis = await startPrivateRedis()
    cleanups.push(() => redis.stop())
    const t = await setup(redis.url)
    await t.consumer('c1').start()
    const before = joined('m-1')
    await t.publish(t.streams.members, before, '1-0')
    await vi.waitFor(async () => expect(await t.effectsOf(before.id)).toBe(1), waitLong)

    await redis[fault]()
    // As the relay does after a flush: the outbox again from the start, then what is new.
    await t.publish(t.streams.members, before, '1-0')
    const after = joined('m-2')
    await t.publish(t.streams.members, after, '2-0')
    const todo = added(1)
    await t.publish(t.streams.todo, todo)

    await vi.waitFor(async () => expect(await t.effectsOf(after.id)).toBe(1), waitLong)
    await vi.waitFor(async () => expect(await t.effectsOf(todo.id)).toBe(1), waitLong)
    expect(await t.effectsOf(before.id)).toBe(1)
    await vi.waitFor(async () => expect(await t.pending()).toBe(0), waitLong)
  })

  it('stop() lets the batch in hand finish and acknowledges it', async () => {
    const t = await setup()
    const events = [joined('m-1'), joined('m-2'), joined('m-3')]
    for (const event of events) await t.publish(t.streams.members, event)
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
    const event = joined('m-1')
    await t.redis.xgroup('CREATE', t.streams.members, GROUP, '0', 'MKSTREAM')
    await t.publish(t.streams.members, event)
    await t.redis.xreadgroup('GROUP', GROUP, 'ghost', 'COUNT', 1, 'STREAMS', t.streams.members, '>')
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
    const events = [joined('m-1'), joined('m-2'), added(1)]
    await t.publish(t.streams.members, events[0]!)
    await t.publish(t.streams.members, events[1]!)
    await t.publish(t.streams.todo, events[2]!)
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
      const events = [joined('m-1'), added(1), done(1, 4)]
      await t.publish(t.streams.members, events[0]!)
      await t.publish(t.streams.todo, events[1]!)
      await t.publish(t.streams.todo, events[2]!)
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
      expect(await t.db.select().from(todos)).toEqual([todoRow(1, events[2])])
    })

    it('stops reading new entries once its budget is spent and takes them up on the next poll', async () => {
      const t = await setup()
      for (let i = 0; i < 3; i++) await t.publish(t.streams.members, joined(`m-${i}`))
      const consumer = t.consumer('edge', { batchSize: 1 })

      expect(await consumer.poll(0)).toBe(0)
      expect(await consumer.poll(5_000)).toBe(3)
      expect(await t.db.select().from(members)).toHaveLength(3)
    })

    it('reads on after a full batch, and stops after a short one: what arrives meanwhile waits for the next poll', async () => {
      // Given streams holding a full batch, and a producer that appends an entry after each read
      const t = await setup()
      await t.publish(t.streams.members, joined('m-1'))
      await t.publish(t.streams.members, joined('m-2'))
      const real = createRedisBus(TEST_REDIS_URL)
      let appended = 2
      const consumer = t.consumer('edge', {
        batchSize: 2,
        bus: {
          ...real,
          async readGroup(request) {
            const batches = await real.readGroup(request)
            if (request.from === '>') await t.publish(t.streams.members, joined(`m-${++appended}`))
            return batches
          },
        },
      })

      // When it polls: a full read (m-1, m-2), then a short one (m-3)
      expect(await consumer.poll(5_000)).toBe(3)
      // Then m-4, appended after the short read, is the next poll's
      expect(await t.db.select().from(members)).toHaveLength(3)
      expect(await consumer.poll(5_000)).toBe(1)
      expect(await t.db.select().from(members)).toHaveLength(4)
    })

    it('prepares the group at its first poll only, and again within the poll that finds it gone', async () => {
      // Given a group polled twice on one bus
      const t = await setup()
      const real = createRedisBus(TEST_REDIS_URL)
      let ensured = 0
      const consumer = t.consumer('edge', {
        bus: { ...real, ensureGroup: (...args) => (ensured++, real.ensureGroup(...args)) },
      })
      await t.publish(t.streams.members, joined('m-1'))
      expect(await consumer.poll(5_000)).toBe(1)
      expect(await consumer.poll(5_000)).toBe(0)
      expect(ensured).toBe(2) // one per stream, at the first poll
      // When Redis loses the streams and their group (a flush) and a new entry follows
      await t.redis.del(t.streams.members, t.streams.todo)
      await t.publish(t.streams.members, joined('m-2'))

      // Then the next poll makes the group again from the database's position and applies it
      expect(await consumer.poll(5_000)).toBe(1)
      expect(ensured).toBe(4)
      expect(await t.db.select().from(members)).toHaveLength(2)
    })

    it('is caught up once every entry of its streams is applied and acknowledged, not before', async () => {
      // Given a group that has not read its streams yet, one of which holds an entry
      const t = await setup()
      const consumer = t.consumer('edge')
      await t.publish(t.streams.members, joined('m-1'))
      expect(await consumer.caughtUp()).toBe(false)
      // When it polls
      expect(await consumer.poll(5_000)).toBe(1)
      // Then it is caught up, until the next entry arrives
      expect(await consumer.caughtUp()).toBe(true)
      await t.publish(t.streams.members, joined('m-2'))
      expect(await consumer.caughtUp()).toBe(false)
      // And an entry delivered but not acknowledged (a consumer died with it) is still work to do
      await t.redis.xreadgroup('GROUP', GROUP, 'gone', 'COUNT', 1, 'STREAMS', t.streams.members, '>')
      expect(await consumer.caughtUp()).toBe(false)
      await sleep(250) // past claimIdleMs: the poll takes it over
      expect(await consumer.poll(5_000)).toBe(1)
      expect(await consumer.caughtUp()).toBe(true)
    })

    it('first applies the entries an earlier invocation left pending, its own and idle ones of others', async () => {
      const t = await setup()
      const own = joined('m-own')
      const orphaned = joined('m-orphaned')
      await t.publish(t.streams.members, own)
      await t.publish(t.streams.members, orphaned)
      await t.redis.xgroup('CREATE', t.streams.members, GROUP, '0')
      // Delivered, never acknowledged: one to this consumer's name, one to a consumer that died.
      await t.redis.xreadgroup('GROUP', GROUP, 'edge', 'COUNT', 1, 'STREAMS', t.streams.members, '>')
      await t.redis.xreadgroup('GROUP', GROUP, 'gone', 'COUNT', 1, 'STREAMS', t.streams.members, '>')
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
    for (const n of [1, 2, 3]) await t.publish(t.streams.todo, added(n))
    await t.consumer('c1').start()

    await vi.waitFor(async () => expect(await positionOf(t, t.streams.todo)).toBe(3), waitLong)
    expect(await positionOf(t, t.streams.members)).toBeUndefined()
  })

  it('records the position past an event published twice when both entries come in one read', async () => {
    const t = await setup()
    await t.publish(t.streams.todo, opened())
    const event = added(1)
    await t.publish(t.streams.todo, event)
    await t.publish(t.streams.todo, event)
    await t.consumer('c1').start()

    await vi.waitFor(async () => expect(await t.lastDelivered(t.streams.todo)).toBe('3-0'), waitLong)
    await vi.waitFor(async () => expect(await t.pending()).toBe(0), waitLong)
    expect(await positionOf(t, t.streams.todo)).toBe(3)
    expect(await t.effectsOf(event.id)).toBe(1)
  })

  it('fetches from the producer what the stream had trimmed before the group joined, each event once', async () => {
    const t = await setup()
    const outbox = outboxOf(t)
    const events = [1, 2, 3, 4, 5].map(added)
    for (const event of events) await outbox.publish(t.streams.todo, event)
    await t.redis.xtrim(t.streams.todo, 'MINID', '4-0')

    await t.consumer('c1', { catchUp: outbox.catchUp }).start()

    await vi.waitFor(async () => expect(await positionOf(t, t.streams.todo)).toBe(5), waitLong)
    for (const event of events) expect(await t.effectsOf(event.id)).toBe(1)
    expect((await t.consumer('probe').health()).gaps).toEqual([])
  })

  it('without a way to the producer, applies what the stream holds, reports the gap, and fills it once the producer is reachable', async () => {
    const t = await setup()
    const outbox = outboxOf(t)
    const events = [1, 2, 3, 4, 5].map(added)
    for (const event of events) await outbox.publish(t.streams.todo, event)
    await t.redis.xtrim(t.streams.todo, 'MINID', '4-0')

    const blind = t.consumer('c1')
    await blind.start()
    await vi.waitFor(async () => expect(await positionOf(t, t.streams.todo)).toBe(5), waitLong)
    expect((await blind.health()).gaps).toEqual([{ stream: t.streams.todo, fromSeq: 1, toSeq: 3 }])
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
    const events = [1, 2, 3].map(added)
    for (const event of events) await t.publish(t.streams.todo, event)
    // Another consumer holds 1 and 2; this one reads 3 first.
    await t.redis.xgroup('CREATE', t.streams.todo, GROUP, '0')
    await t.redis.xreadgroup('GROUP', GROUP, 'other', 'COUNT', 2, 'STREAMS', t.streams.todo, '>')

    await t.consumer('c1', { claimIdleMs: 60_000 }).start()
    await vi.waitFor(async () => expect(await t.effectsOf(events[2]!.id)).toBe(1), waitLong)
    expect((await t.consumer('probe').health()).gaps).toEqual([])
  })

  it('fetches a pending entry trimmed from the stream instead of dead-lettering it as not JSON', async () => {
    const t = await setup()
    const outbox = outboxOf(t)
    const events = [1, 2].map(added)
    for (const event of events) await outbox.publish(t.streams.todo, event)
    // A consumer dies holding entry 1, which is then trimmed away.
    await t.redis.xgroup('CREATE', t.streams.todo, GROUP, '0')
    await t.redis.xreadgroup('GROUP', GROUP, 'ghost', 'COUNT', 1, 'STREAMS', t.streams.todo, '>')
    await t.redis.xtrim(t.streams.todo, 'MINID', '2-0')
    await sleep(250) // past claimIdleMs

    await t.consumer('c1', { catchUp: outbox.catchUp }).start()

    await vi.waitFor(async () => expect(await t.effectsOf(events[0]!.id)).toBe(1), waitLong)
    await vi.waitFor(async () => expect(await t.pending()).toBe(0), waitLong)
    expect(await t.deadLetters(t.streams.todo)).toEqual([])
  })

  it('applies again what a database restored from a backup lost, once', async () => {
    const t = await setup()
    const events = [1, 2, 3].map(added)
    for (const event of events) await t.publish(t.streams.todo, event)
    const first = t.consumer('c1')
    await first.start()
    await vi.waitFor(async () => expect(await positionOf(t, t.streams.todo)).toBe(3), waitLong)
    await first.stop()
    // The database goes back to when only the first event was applied; Redis remembers all three acknowledged.
    const lost = events.slice(1).map((e) => e.id)
    await t.db.delete(effects).where(inArray(effects.eventId, lost))
    await t.db.delete(inbox).where(inArray(inbox.eventId, lost))
    await t.db.update(consumerPositions).set({ seq: 1 })

    await t.consumer('c1').start()

    await vi.waitFor(async () => expect(await positionOf(t, t.streams.todo)).toBe(3), waitLong)
    for (const event of events) expect(await t.effectsOf(event.id)).toBe(1)
  })

  it('leaves the group where it is when the entries past its position are only in flight', async () => {
    const t = await setup()
    const events = [1, 2].map(added)
    for (const event of events) await t.publish(t.streams.todo, event)
    await t.redis.xgroup('CREATE', t.streams.todo, GROUP, '0')
    await t.redis.xreadgroup('GROUP', GROUP, 'ghost', 'COUNT', 2, 'STREAMS', t.streams.todo, '>')

    await t.consumer('c1', { claimIdleMs: 60_000 }).start()
    await sleep(200)
    expect(await t.lastDelivered(t.streams.todo)).toBe('2-0')
    expect(await t.effectsOf(events[0]!.id)).toBe(0) // still the ghost's, until claimed
  })

  it('keeps a gap open at an event from the outbox that fails, instead of passing it by', async () => {
    const t = await setup()
    const outbox = outboxOf(t)
    const events = [1, 2, 3, 4].map(added)
    for (const event of events) await outbox.publish(t.streams.todo, event)
    await t.redis.xtrim(t.streams.todo, 'MINID', '4-0')
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
    expect((await consumer.health()).gaps).toEqual([{ stream: t.streams.todo, fromSeq: 2, toSeq: 3 }])
  })

  it('takes no position from a stray entry, so a later gap is still noticed', async () => {
    const t = await setup()
    const stray = added(9)
    await t.publish(t.streams.todo, added(1))
    await t.redis.xadd(t.streams.todo, '*', 'type', stray.type, 'event', JSON.stringify(stray))
    const consumer = t.consumer('c1')
    await consumer.start()
    await vi.waitFor(async () => expect(await t.effectsOf(stray.id)).toBe(1), waitLong)
    expect(await positionOf(t, t.streams.todo)).toBe(1)
  })

  it('applies again what a restored database lost even while other entries are pending', async () => {
    const t = await setup()
    const events = [1, 2, 3, 4, 5].map(added)
    for (const event of events.slice(0, 3)) await t.publish(t.streams.todo, event)
    const first = t.consumer('c1')
    await first.start()
    await vi.waitFor(async () => expect(await positionOf(t, t.streams.todo)).toBe(3), waitLong)
    await first.stop()
    for (const event of events.slice(3)) await t.publish(t.streams.todo, event)
    // Another consumer holds the last two, in flight.
    await t.redis.xreadgroup('GROUP', GROUP, 'other', 'COUNT', 2, 'STREAMS', t.streams.todo, '>')
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
    const event = added(1)
    await t.publish(t.streams.todo, event)
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
    for (const n of [1, 2, 3]) await t.publish(t.streams.todo, added(n))
    await t.redis.xgroup('CREATE', t.streams.todo, GROUP, '0')
    // Each reads (and acknowledges) one entry, so both exist with nothing pending.
    for (const [name, id] of [
      ['gone', '1-0'],
      ['recent', '2-0'],
    ] as const) {
      await t.redis.xreadgroup('GROUP', GROUP, name, 'COUNT', 1, 'STREAMS', t.streams.todo, '>')
      await t.redis.xack(t.streams.todo, GROUP, id)
    }
    const names = async () =>
      ((await t.redis.xinfo('CONSUMERS', t.streams.todo, GROUP)) as string[][]).map((c) => c[1]).sort()
    expect(await names()).toEqual(['gone', 'recent'])
    await sleep(2_200)
    // `gone` is now idle for more than two claim periods (2 × 1 s), `recent` reads again and is not.
    await t.redis.xreadgroup('GROUP', GROUP, 'recent', 'COUNT', 1, 'STREAMS', t.streams.todo, '0')

    await t.consumer('c1', { claimIdleMs: 1_000 }).start()

    await vi.waitFor(async () => expect(await names()).toEqual(['c1', 'recent']), waitLong)
  })
})

describe('ConsumerGroup health of its streams', () => {
  it('shows how far the group is behind, what it holds unacknowledged and for how long, and its consumers', async () => {
    const t = await setup()
    const bus = createRedisBus(TEST_REDIS_URL)
    cleanups.push(() => bus.close())
    const probe = t.consumer('probe')
    const todoOf = async () => (await probe.health(bus)).streams!.find((s) => s.stream === t.streams.todo)!
    for (const n of [1, 2, 3]) await t.publish(t.streams.todo, added(n))
    await t.redis.xgroup('CREATE', t.streams.todo, GROUP, '0')

    expect((await probe.health(bus)).streams).toEqual([
      // Nobody published to the members stream: it does not exist yet.
      {
        stream: t.streams.members,
        length: 0,
        lastSeq: 0,
        lastDeliveredSeq: 0,
        lag: 0,
        pending: 0,
        consumers: [],
      },
      {
        stream: t.streams.todo,
        length: 3,
        lastSeq: 3,
        lastDeliveredSeq: 0,
        lag: 3,
        pending: 0,
        consumers: [],
      },
    ])

    await t.redis.xreadgroup('GROUP', GROUP, 'c1', 'COUNT', 1, 'STREAMS', t.streams.todo, '>')
    await sleep(100)
    const reading = await todoOf()
    expect(reading).toMatchObject({ lastDeliveredSeq: 1, lag: 2, pending: 1 })
    expect(reading.oldestPendingMs).toBeGreaterThanOrEqual(90)
    expect(reading.consumers).toEqual([{ name: 'c1', pending: 1, idleMs: expect.any(Number) }])
    expect(reading.consumers[0]!.idleMs).toBeGreaterThanOrEqual(90)

    await t.redis.xack(t.streams.todo, GROUP, '1-0')
    const acknowledged = await todoOf()
    expect(acknowledged).toMatchObject({ lag: 2, pending: 0, consumers: [{ name: 'c1', pending: 0 }] })
    expect(acknowledged).not.toHaveProperty('oldestPendingMs')
  })

  it('catches up to lag 0 and nothing pending once a running consumer applied everything', async () => {
    const t = await setup()
    const bus = createRedisBus(TEST_REDIS_URL)
    cleanups.push(() => bus.close())
    for (const n of [1, 2]) await t.publish(t.streams.todo, added(n))
    const consumer = t.consumer('c1')
    await consumer.start()

    await vi.waitFor(async () => expect(await t.pending()).toBe(0), waitLong)
    await vi.waitFor(async () => {
      const todo = (await consumer.health(bus)).streams!.find((s) => s.stream === t.streams.todo)
      expect(todo).toMatchObject({ length: 2, lastSeq: 2, lastDeliveredSeq: 2, lag: 0, pending: 0 })
    }, waitLong)
  })

  it('never shows a negative lag, also when the stream was trimmed empty past what the group read', async () => {
    const t = await setup()
    const bus = createRedisBus(TEST_REDIS_URL)
    cleanups.push(() => bus.close())
    for (const n of [1, 2]) await t.publish(t.streams.todo, added(n))
    await t.redis.xgroup('CREATE', t.streams.todo, GROUP, '$')
    await t.redis.xtrim(t.streams.todo, 'MINID', '3-0')

    const todo = (await t.consumer('probe').health(bus)).streams!.find((s) => s.stream === t.streams.todo)
    expect(todo).toMatchObject({ length: 0, lastSeq: 0, lastDeliveredSeq: 2, lag: 0 })
  })

  it('leaves the streams out when Redis was not asked', async () => {
    const t = await setup()
    expect(await t.consumer('probe').health()).not.toHaveProperty('streams')
  })
})

describe('ConsumerGroup dead letters', () => {
  it('lists every dead letter of the group, past the first page, and not those of other groups', async () => {
    const t = await setup()
    const bus = createRedisBus(TEST_REDIS_URL)
    cleanups.push(() => bus.close())
    const letter = (i: number, group = GROUP) => ({
      group,
      entry: { id: `${i}-0`, fields: { type: 'TodoAdded', event: '{}' } },
      error: 'boom',
      deliveries: 1,
    })
    for (let i = 1; i <= 2_500; i++) await bus.deadLetter(t.streams.todo, letter(i))
    await bus.deadLetter(t.streams.todo, letter(9_999, 'someone-else'))

    const listed = await t.consumer('c1').deadLetters()
    expect(listed).toHaveLength(2_500)
    expect(listed.at(-1)!.letter.fields.entryId).toBe('2500-0')
  })
})
