import { asc, eq, gt, sql } from 'drizzle-orm'
import { Redis } from 'ioredis'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { serviceStream } from '../bus/bus.ts'
import { createRedisBus } from '../bus/redis-bus.ts'
import { newUuidV7, systemClock } from '../clock.ts'
import type { Envelope } from '../contracts/envelope.ts'
import { kernelMeta, outbox as outboxTable } from '../db/kernel-schema.ts'
import { toEnvelopes } from '../envelope.ts'
import { createLogger } from '../logger.ts'
import { deleteKeys, startPrivateRedis, TEST_REDIS_URL, uniquePrefix } from '../testing/redis.ts'
import { openFixtureDatabase } from '../testing/fixture-database.ts'
import { memberJoined, members, sampleMember } from '../testing/todo-schema.ts'
import { createOutbox } from './outbox.ts'
import { OutboxRelay } from './relay.ts'

const NEVER = 60 * 60 * 1000 // a backstop interval no test waits for
const metadata = { correlationId: 'relay-test', causationId: 'relay-test', actor: 'test' }

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const joined = (memberId: string): Envelope[] =>
  toEnvelopes([memberJoined(memberId)], {
    stream: memberId,
    after: 0,
    metadata,
    clock: systemClock,
    newId: newUuidV7,
  })

/** Polls until `check` stops throwing, or rethrows its last failure after `timeoutMs`. */
async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await check()
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
}

/**
 * A database with the kernel's tables in a fresh directory, the stream `<prefix>.members` on `redisUrl`, and
 * helpers to start relays on them and read the stream. Everything is undone after the test.
 */
async function setup({ redisUrl = TEST_REDIS_URL, kick = true } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'pitstop-relay-'))
  const { client, db } = await openFixtureDatabase(`file:${join(dir, 'members.db')}`)
  const prefix = uniquePrefix('relay')
  const stream = serviceStream(prefix, 'members')
  const reader = new Redis(redisUrl, { maxRetriesPerRequest: 1 })
  reader.on('error', () => {})
  cleanups.push(async () => {
    reader.disconnect()
    if (redisUrl === TEST_REDIS_URL) await deleteKeys(prefix)
    client.close()
    await rm(dir, { recursive: true, force: true })
  })

  const relays: OutboxRelay[] = []
  /** A relay on this database, publishing to this test's stream unless given another. */
  const newRelay = (
    options: {
      intervalMs?: number
      batchSize?: number
      keep?: number
      stream?: string
      gatherMs?: number
    } = {},
  ) => {
    const bus = createRedisBus(redisUrl, 'relay-test')
    const relay = new OutboxRelay({
      db,
      bus,
      stream,
      logger: createLogger('silent'),
      intervalMs: NEVER,
      ...options,
    })
    relays.push(relay)
    // Stopping flushes, which cannot succeed once a test has stopped its Redis: bound it, then close.
    cleanups.push(async () => {
      await Promise.race([relay.stop(), new Promise((resolve) => setTimeout(resolve, 2000))])
      await bus.close()
    })
    return { relay, bus }
  }

  let kicks = 0
  const outbox = createOutbox(db, () => {
    kicks++
    if (kick) for (const relay of relays) relay.kick()
  })
  /** A command: the member's row and its `MemberJoined` event, committed through the outbox. */
  const register = async (memberId: string) => {
    const events = joined(memberId)
    await outbox.commit([db.insert(members).values(sampleMember(memberId))], events)
    return events[0]!
  }

  const readStream = async () => {
    const entries = (await reader.xrange(stream, '-', '+')) as [string, string[]][]
    return entries.map(([id, fields]) => ({ id, fields: Object.fromEntries(pairs(fields)) }))
  }
  /** The stream as `<seq>-0` ids with the event ids they carry. */
  const published = async () =>
    (await readStream()).map(({ id, fields }) => ({ id, eventId: JSON.parse(fields.event!).id as string }))
  const outboxRows = () => db.select().from(outboxTable).orderBy(asc(outboxTable.seq))
  /** What the stream must hold: every outbox row once, in seq order. */
  const expected = async () =>
    (await outboxRows()).map((row) => ({ id: `${row.seq}-0`, eventId: row.eventId }))

  return {
    db,
    reader,
    stream,
    outbox,
    newRelay,
    register,
    readStream,
    published,
    outboxRows,
    expected,
    kicks: () => kicks,
  }
}

function pairs(fields: string[]): [string, string][] {
  const result: [string, string][] = []
  for (let i = 0; i < fields.length; i += 2) result.push([fields[i]!, fields[i + 1]!])
  return result
}

async function privateRedis() {
  const redis = await startPrivateRedis()
  cleanups.push(() => redis.stop())
  return {
    ...redis,
    /**
     * Takes the server down until `restart()`. SHUTDOWN rather than the helper's `stop()`: after a
     * SIGKILL the helper's `restart()` waits for an exit that already happened.
     */
    async shutdown() {
      const admin = new Redis(redis.url, { retryStrategy: () => null, maxRetriesPerRequest: 0 })
      admin.on('error', () => {})
      await admin.shutdown('NOSAVE').catch(() => {})
      admin.disconnect()
      await eventually(async () => {
        const probe = new Redis(redis.url, {
          lazyConnect: true,
          retryStrategy: () => null,
          maxRetriesPerRequest: 0,
        })
        probe.on('error', () => {})
        const up = await probe.connect().then(
          () => true,
          () => false,
        )
        probe.disconnect()
        if (up) throw new Error('redis-server is still up')
      })
    },
  }
}

describe('the outbox relay', () => {
  it('publishes committed events to the service stream in commit order, the outbox seq as entry id', async () => {
    const t = await setup()
    const { relay } = t.newRelay()
    relay.start()

    const first = await t.register('m-1')
    const second = await t.register('m-2')
    const both = [...joined('m-3'), ...joined('m-4')]
    await t.outbox.commit([t.db.insert(members).values([sampleMember('m-3'), sampleMember('m-4')])], both)
    await relay.flush()

    expect(t.stream).toMatch(/^test-relay-[a-z0-9]+\.members$/)
    const entries = await t.readStream()
    expect(entries.map((e) => e.id)).toEqual(['1-0', '2-0', '3-0', '4-0'])
    expect(entries.map((e) => Object.keys(e.fields).sort())).toEqual(
      Array(4).fill(['event', 'origin', 'type']),
    )
    expect(entries.map((e) => e.fields.type)).toEqual(Array(4).fill('MemberJoined'))
    expect(entries.map((e) => JSON.parse(e.fields.event!))).toEqual([first, second, ...both])
  })

  it('publishes right after a commit, without waiting for the backstop', async () => {
    const t = await setup()
    const { relay } = t.newRelay({ intervalMs: NEVER })
    relay.start()
    await relay.flush()

    const event = await t.register('m-1')

    await eventually(
      async () => expect((await t.published()).map((e) => e.eventId)).toEqual([event.id]),
      2000,
    )
    expect(t.kicks()).toBe(1)
  })

  it('publishes every one of many concurrent commits through kicks alone', async () => {
    const t = await setup()
    const { relay } = t.newRelay({ intervalMs: NEVER, batchSize: 7 })
    relay.start()

    await Promise.all(Array.from({ length: 100 }, (_, i) => t.register(`m-${i}`)))

    await eventually(async () => expect(await t.published()).toEqual(await t.expected()), 5000)
    expect(await t.published()).toHaveLength(100)
  })

  it('returns the pass a kick starts, and nothing for a kick during a pass, whose commits it publishes', async () => {
    const t = await setup({ kick: false })
    const { relay } = t.newRelay()
    await t.register('m-1')
    await t.register('m-2')

    const started = relay.kick()
    const joined = relay.kick()
    await started

    expect(started).toBeInstanceOf(Promise)
    expect(joined).toBeUndefined()
    expect(await t.published()).toEqual(await t.expected())
    expect(await t.published()).toHaveLength(2)
  })

  it('with gatherMs, waits before it reads the outbox, so commits of that while go out in one append', async () => {
    const t = await setup({ kick: false })
    const { relay, bus } = t.newRelay({ gatherMs: 200 })
    await relay.flush() // the stream located: what follows is a kicked pass's own work
    const appends = vi.spyOn(bus, 'appendAfter')

    await t.register('m-1')
    const pass = relay.kick()
    await t.register('m-2')
    relay.kick()
    await pass

    expect(appends).toHaveBeenCalledTimes(1)
    expect(await t.published()).toEqual(await t.expected())
    expect(await t.published()).toHaveLength(2)
  })

  it('publishes a commit that lands just as a pass ends, without waiting for the backstop', async () => {
    // A kick arriving between a pass's last look for work and its end must start another pass. Where that
    // moment falls depends on microtask scheduling, so second commits are swept across the end of a pass:
    // replies on the relay's own connection come in order, so a ping trails the pass's commands.
    const t = await setup()
    const { relay, bus } = t.newRelay({ intervalMs: NEVER })
    relay.start()
    await relay.flush()
    const ticks = async (count: number) => {
      for (let i = 0; i < count; i++) await Promise.resolve()
    }

    let n = 0
    for (let k = 0; k < 30; k++) {
      for (let j = 0; j < 10; j++) {
        await t.register(`m-${n++}`)
        await bus.ping()
        await ticks(k)
        await bus.ping()
        await ticks(j)
        await t.register(`m-${n++}`)
        await eventually(async () => expect(await relay.lag()).toBe(0), 500)
      }
    }
    expect(await t.published()).toEqual(await t.expected())
  })

  it('publishes rows committed without a kick on its next backstop pass', async () => {
    const t = await setup({ kick: false })
    const { relay } = t.newRelay({ intervalMs: 100 })
    relay.start()
    await relay.flush()

    await t.register('m-1')
    await t.register('m-2')
    expect(t.kicks()).toBe(2)

    await eventually(async () => expect(await t.published()).toEqual(await t.expected()), 3000)
    expect(await t.published()).toHaveLength(2)
  })

  it('reports as lag the events committed but not yet in the stream', async () => {
    const t = await setup({ kick: false })
    const { relay } = t.newRelay()
    expect(await relay.lag()).toBe(0)

    await t.register('m-1')
    await t.register('m-2')
    await t.register('m-3')
    expect(await relay.lag()).toBe(3)

    await relay.flush()
    expect(await relay.lag()).toBe(0)
  })

  it('resolves flush only once everything committed before it is in the stream', async () => {
    const t = await setup({ kick: false })
    const { relay } = t.newRelay({ batchSize: 3 })
    // Commits land while the first pass runs and nothing kicks the relay for them: flush has to.
    relay.start()
    await Promise.all(Array.from({ length: 20 }, (_, i) => t.register(`m-${i}`)))
    await relay.flush()

    expect(await t.published()).toEqual(await t.expected())
    expect(await t.published()).toHaveLength(20)
    expect(await relay.lag()).toBe(0)
  })

  it('publishes nothing for a batch that failed to commit', async () => {
    const t = await setup()
    const { relay } = t.newRelay()
    relay.start()
    const committed = await t.register('m-1')

    // The same member again violates the primary key: the batch, outbox row included, is rolled back.
    const refused = joined('m-1')[0]!
    await expect(
      t.outbox.commit([t.db.insert(members).values(sampleMember('m-1'))], [refused]),
    ).rejects.toThrow(/UNIQUE constraint failed: members.member_id/)
    await relay.flush()

    expect(await t.db.select().from(outboxTable).where(eq(outboxTable.eventId, refused.id))).toEqual([])
    expect((await t.outboxRows()).map((row) => row.eventId)).toEqual([committed.id])
    expect((await t.published()).map((e) => e.eventId)).toEqual([committed.id])
    expect(t.kicks()).toBe(1)
  })

  it('never duplicates an entry when two relays publish the same outbox to the same stream', async () => {
    const t = await setup()
    const a = t.newRelay({ batchSize: 4 }).relay
    const b = t.newRelay({ batchSize: 5 }).relay
    a.start()
    b.start()

    await Promise.all(Array.from({ length: 60 }, (_, i) => t.register(`m-${i}`)))
    await Promise.all([a.flush(), b.flush()])

    const published = await t.published()
    expect(published).toEqual(await t.expected())
    expect(new Set(published.map((e) => e.eventId)).size).toBe(60)
  })
})

describe('appending to the bus after an expected entry', () => {
  it('refuses entries unless the stream still ends at the expected seq, and says where it ends', async () => {
    const t = await setup()
    const { bus } = t.newRelay()
    const entry = (seq: number) => ({ seq, type: 'MemberJoined', envelope: `{"seq":${seq}}` })

    expect(await bus.lastSeq(t.stream)).toBe(0)
    expect(await bus.appendAfter(t.stream, 0, [entry(1), entry(2)])).toEqual({ ok: true })
    expect(await bus.appendAfter(t.stream, 0, [entry(1), entry(2)])).toEqual({ ok: false, lastSeq: 2 })
    expect(await bus.appendAfter(t.stream, 5, [entry(6)])).toEqual({ ok: false, lastSeq: 2 })
    expect(await bus.appendAfter(t.stream, 2, [entry(3)])).toEqual({ ok: true })

    expect((await t.readStream()).map((e) => e.id)).toEqual(['1-0', '2-0', '3-0'])
    expect(await bus.lastSeq(t.stream)).toBe(3)
  })
})

describe('the outbox relay when Redis loses the stream', () => {
  it('publishes everything again from the outbox after a FLUSHALL, each event once and in order', async () => {
    const redis = await privateRedis()
    const t = await setup({ redisUrl: redis.url })
    const { relay } = t.newRelay({ intervalMs: 100 })
    relay.start()
    for (const id of ['m-1', 'm-2', 'm-3']) await t.register(id)
    await relay.flush()
    expect(await t.published()).toHaveLength(3)

    await redis.flushAll()

    await eventually(async () => expect(await t.published()).toEqual(await t.expected()), 5000)
    await t.register('m-4')
    await relay.flush()
    expect(await t.published()).toEqual(await t.expected())
    expect(await t.published()).toHaveLength(4)
  })

  it('publishes everything again on the next commit after a FLUSHALL, without waiting for the backstop', async () => {
    const redis = await privateRedis()
    const t = await setup({ redisUrl: redis.url })
    const { relay } = t.newRelay({ intervalMs: NEVER })
    relay.start()
    for (const id of ['m-1', 'm-2']) await t.register(id)
    await relay.flush()

    await redis.flushAll()
    expect(await t.readStream()).toEqual([])
    expect(await relay.lag()).toBe(2)
    await t.register('m-3')

    await eventually(async () => expect(await t.published()).toEqual(await t.expected()), 2000)
    expect(await t.published()).toHaveLength(3)
  })

  it('publishes everything again from the outbox after a restart without persistence', async () => {
    const redis = await privateRedis()
    const t = await setup({ redisUrl: redis.url })
    const { relay } = t.newRelay({ intervalMs: 100 })
    relay.start()
    for (const id of ['m-1', 'm-2', 'm-3']) await t.register(id)
    await relay.flush()
    expect(await t.published()).toHaveLength(3)

    await redis.restart()

    await eventually(async () => expect(await t.published()).toEqual(await t.expected()), 10_000)
    expect(await t.published()).toHaveLength(3)
    await t.register('m-4')
    await relay.flush()
    expect(await t.published()).toEqual(await t.expected())
    expect(await relay.lag()).toBe(0)
  })

  it('publishes once Redis is back when it was started while Redis was down', async () => {
    const redis = await privateRedis()
    const t = await setup({ redisUrl: redis.url })
    await redis.shutdown()

    const { relay } = t.newRelay({ intervalMs: 100 })
    relay.start()
    // Commits do not depend on Redis: the outbox holds the events until the relay can publish them.
    await t.register('m-1')
    await t.register('m-2')
    await expect(relay.lag()).rejects.toThrow()
    await new Promise((resolve) => setTimeout(resolve, 500))

    await redis.restart()

    await eventually(async () => expect(await t.published()).toEqual(await t.expected()), 10_000)
    expect(await t.published()).toHaveLength(2)
    expect(await relay.lag()).toBe(0)
  })
})

describe('the outbox relay keeping the stream bounded', () => {
  it('keeps only the last `keep` entries when every group has acknowledged them, trimming on its backstop passes', async () => {
    const t = await setup()
    const { relay } = t.newRelay({ keep: 5, intervalMs: 50 })
    relay.start()
    for (let i = 0; i < 12; i++) await t.register(`m-${i}`)

    await eventually(async () =>
      expect((await t.published()).map((e) => e.id)).toEqual([8, 9, 10, 11, 12].map((seq) => `${seq}-0`)),
    )
  })

  it('keeps every entry some group has not acknowledged, beyond the window', async () => {
    const t = await setup()
    const { relay } = t.newRelay({ keep: 2 })
    await t.reader.xgroup('CREATE', t.stream, 'slow', '0', 'MKSTREAM')
    await t.reader.xgroup('CREATE', t.stream, 'fast', '0')
    for (let i = 0; i < 10; i++) await t.register(`m-${i}`)
    await relay.flush()
    // `slow` was handed 1..4 and acknowledged 1..2; `fast` has acknowledged everything.
    await t.reader.xreadgroup('GROUP', 'slow', 's', 'COUNT', 4, 'STREAMS', t.stream, '>')
    await t.reader.xack(t.stream, 'slow', '1-0', '2-0')
    const all = (await t.reader.xreadgroup(
      'GROUP',
      'fast',
      'f',
      'COUNT',
      100,
      'STREAMS',
      t.stream,
      '>',
    )) as unknown as [string, [string][]][]
    await t.reader.xack(t.stream, 'fast', ...all[0]![1].map(([id]) => id))
    await relay.trim()

    expect((await t.published())[0]!.id).toBe('3-0')
    expect(await t.published()).toHaveLength(8)
  })

  it('after a FLUSHALL publishes again only the last `keep` events the stream had, then what is new', async () => {
    const redis = await privateRedis()
    const t = await setup({ redisUrl: redis.url })
    const { relay } = t.newRelay({ keep: 3 })
    relay.start()
    for (let i = 0; i < 10; i++) await t.register(`m-${i}`)
    await relay.flush()

    await redis.flushAll()
    await t.register('m-new')
    await relay.flush()

    expect((await t.published()).map((e) => e.id)).toEqual(['8-0', '9-0', '10-0', '11-0'])
    expect(await relay.lag()).toBe(0)
  })

  it('after a restart, tells what the stream lost from what was never published, and publishes all of the latter', async () => {
    const redis = await privateRedis()
    const t = await setup({ redisUrl: redis.url, kick: false })
    const first = t.newRelay({ keep: 2, intervalMs: 50 })
    first.relay.start()
    for (let i = 0; i < 3; i++) await t.register(`a-${i}`)
    // A backstop pass records how far the stream got.
    await eventually(async () =>
      expect(await t.db.select().from(kernelMeta).where(eq(kernelMeta.key, 'published'))).toEqual([
        { key: 'published', value: '3' },
      ]),
    )
    await first.relay.stop()
    // Commits while no relay runs, then Redis loses the stream.
    for (let i = 0; i < 4; i++) await t.register(`b-${i}`)
    await redis.flushAll()

    const { relay } = t.newRelay({ keep: 2 })
    await relay.flush()

    expect((await t.published()).map((e) => e.id)).toEqual(['2-0', '3-0', '4-0', '5-0', '6-0', '7-0'])
  })
})

describe('the outbox relay and entries it did not write', () => {
  it('stops publishing after a stray XADD, reports it with the unpublished count, and resumes once the stream is deleted', async () => {
    const t = await setup()
    const { relay } = t.newRelay()
    relay.start()
    await t.register('m-1')
    await relay.flush()
    await t.reader.xadd(t.stream, '*', 'note', 'by hand')
    await t.register('m-2')
    await relay.flush()

    const health = await relay.health()
    expect(health.problem?.problem).toBe('foreign-entry')
    expect(health.problem?.detail).toContain(t.stream)
    expect(health.unpublishedEvents).toBe(1)
    expect((await t.readStream()).map((e) => e.id)[0]).toBe('1-0')
    expect(await t.readStream()).toHaveLength(2)

    await t.reader.del(t.stream)
    await relay.flush()
    expect(await t.published()).toEqual(await t.expected())
    expect((await relay.health()).problem).toBeUndefined()
  })

  it('refuses to publish into a stream another database publishes to', async () => {
    const t = await setup()
    const other = await setup()
    const { relay } = t.newRelay()
    relay.start()
    await t.register('m-1')
    await relay.flush()
    const { relay: intruder } = other.newRelay({ stream: t.stream })
    await other.register('x-1')
    await intruder.flush()

    expect((await intruder.health()).problem?.problem).toBe('another-deployment')
    expect((await intruder.health()).unpublishedEvents).toBe(1)
    expect(await t.published()).toEqual(await t.expected())
  })

  it('refuses another database even while the stream is still empty', async () => {
    const t = await setup()
    const other = await setup()
    const { relay } = t.newRelay()
    await relay.flush() // claims the stream, publishes nothing
    const { relay: intruder } = other.newRelay({ stream: t.stream })
    await other.register('x-1')
    await intruder.flush()

    expect((await intruder.health()).problem?.problem).toBe('another-deployment')
    expect(await t.readStream()).toEqual([])
  })

  it('renumbers what a database restored from a backup commits, after the stream end, so it is published', async () => {
    const t = await setup()
    const { relay } = t.newRelay()
    relay.start()
    for (const id of ['a-1', 'a-2', 'a-3']) await t.register(id)
    await relay.flush()
    // The database goes back to before a-2 and a-3 (a backup restored): its outbox ends at 1.
    await t.db.delete(outboxTable).where(gt(outboxTable.seq, 1))
    await t.db.run(sql`update sqlite_sequence set seq = 1 where name = 'outbox'`)
    await t.db.update(kernelMeta).set({ value: '1' }).where(eq(kernelMeta.key, 'published'))
    const fresh = new OutboxRelay({
      db: t.db,
      bus: createRedisBus(TEST_REDIS_URL, 'relay-test'),
      stream: t.stream,
      logger: createLogger('silent'),
      intervalMs: NEVER,
    })
    // Commits land before the relay looks at the stream: they took seqs 2 and 3 again.
    const b1 = await t.register('b-1')
    const b2 = await t.register('b-2')
    await fresh.flush()

    const published = await t.published()
    expect(published.map((e) => e.id)).toEqual(['1-0', '2-0', '3-0', '4-0', '5-0'])
    expect(published.slice(3).map((e) => e.eventId)).toEqual([b1.id, b2.id])
    expect((await t.outboxRows()).map((r) => r.seq)).toEqual([1, 4, 5])
    await t.register('b-3')
    await fresh.flush()
    expect((await t.published()).at(-1)!.id).toBe('6-0')
  })
})
