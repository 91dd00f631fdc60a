import { Redis } from 'ioredis'
import { count } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest'
import { serviceStream } from '../../shared/bus/bus.ts'
import { manualTimeKey, systemClock } from '../../shared/clock.ts'
import type { Envelope } from '../../shared/contracts/index.ts'
import { parseConfig } from '../../shared/host/config.ts'
import { sampleCustomer, startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { TEST_REDIS_URL } from '../../shared/testing/redis.ts'
import { clockState, daysPassed, outbox } from './schema.ts'

const redis = new Redis(TEST_REDIS_URL)
afterAll(() => redis.disconnect())

type Problem = { type: string; status: number; errors?: { field: string; message: string }[] }
type ClockView = { now: string; mode: string; timeZone: string; daysPassed?: string[] }

/** The whole system in one process, its time standing still (`CLOCK=manual`), in Europe/Amsterdam. */
const manualHost = (overrides: Parameters<typeof startTestHost>[0] = {}) =>
  startTestHost({
    services: ['clock', 'customers'],
    clock: 'manual',
    settings: parseConfig({ WORKSHOP_TZ: 'Europe/Amsterdam' }).settings,
    ...overrides,
  })

/** Moves a manual clock on to `to` in steps a single advance may take (a year at most). */
async function stepTo(host: TestHost, to: string) {
  for (let now = Date.parse(await clockNow(host)); now < Date.parse(to); now += 300 * 86_400_000) {
    const step = Math.min(now + 300 * 86_400_000, Date.parse(to))
    const res = await host.post('/api/clock/advance', { to: new Date(step).toISOString() })
    expect(res.status).toBe(200)
  }
}

const written = async (host: TestHost) => ({
  outbox: (await host.db('clock').select({ n: count() }).from(outbox))[0]!.n,
  days: (await host.db('clock').select({ n: count() }).from(daysPassed))[0]!.n,
  state: await host.db('clock').select().from(clockState),
})
const clockNow = async (host: TestHost) => ((await (await host.get('/api/clock')).json()) as ClockView).now
/** The events of a service's stream in Redis, as the relay published them. */
const published = async (host: TestHost, service: string) =>
  (
    (await redis.xrange(serviceStream(host.config.streamPrefix, service), '-', '+')) as [string, string[]][]
  ).map(([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]!) as Envelope)

describe('a manual clock (CLOCK=manual), as it starts', () => {
  let host: TestHost
  beforeAll(async () => {
    host = await manualHost()
  })
  afterAll(() => host.cleanup())

  it('stands still at the real time it started at, in WORKSHOP_TZ', async () => {
    const before = systemClock.now().getTime()
    const clock = (await (await host.get('/api/clock')).json()) as ClockView
    expect(clock).toEqual({ now: expect.any(String), mode: 'manual', timeZone: 'Europe/Amsterdam' })
    expect(Date.parse(clock.now)).toBeLessThanOrEqual(before)
    expect(Date.parse(clock.now)).toBeGreaterThan(before - 60_000)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await clockNow(host)).toBe(clock.now)
  })
})

describe('POST /api/clock/advance', () => {
  let host: TestHost
  beforeAll(async () => {
    host = await manualHost()
    // A known time to advance from: the clock stood at the real time until now.
    await stepTo(host, '2030-01-01T10:00:00+01:00')
  })
  afterAll(() => host.cleanup())

  it('moves the time on and announces every midnight passed, in order, through the outbox to <prefix>.clock', async () => {
    const res = await host.post('/api/clock/advance', { to: '2030-01-04T12:00:00+01:00' })

    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      now: '2030-01-04T11:00:00.000Z',
      mode: 'manual',
      timeZone: 'Europe/Amsterdam',
      daysPassed: ['2030-01-01', '2030-01-02', '2030-01-03'],
    })
    expect(await clockNow(host)).toBe('2030-01-04T11:00:00.000Z')
    await vi.waitFor(async () =>
      expect((await published(host, 'clock')).map((e) => [e.type, e.data])).toEqual(
        expect.arrayContaining([
          ['DayHasPassed', { date: '2030-01-01' }],
          ['DayHasPassed', { date: '2030-01-02' }],
          ['DayHasPassed', { date: '2030-01-03' }],
        ]),
      ),
    )
    const dates = (await published(host, 'clock')).map((e) => (e.data as { date: string }).date)
    expect(dates.slice(-3)).toEqual(['2030-01-01', '2030-01-02', '2030-01-03'])
  })

  it('announces the day when moved to exactly its midnight in WORKSHOP_TZ', async () => {
    await host.post('/api/clock/advance', { to: '2030-01-04T23:59:59.999+01:00' })
    const res = await host.post('/api/clock/advance', { to: '2030-01-05T00:00:00+01:00' })
    expect(await res.json()).toMatchObject({ now: '2030-01-04T23:00:00.000Z', daysPassed: ['2030-01-04'] })
  })

  it('refuses a time before the clock’s with 400 problem+json naming /to, and changes nothing', async () => {
    const before = await written(host)
    const now = await clockNow(host)

    const res = await host.post('/api/clock/advance', { to: '2030-01-04T22:59:59.999Z' })

    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    const problem = (await res.json()) as Problem
    expect(problem.type).toBe('urn:pitstop:problem:invalid-input')
    expect(problem.errors).toEqual([{ field: '/to', message: `must not be before the clock's time, ${now}` }])
    expect(await written(host)).toEqual(before)
    expect(await clockNow(host)).toBe(now)
  })

  it('takes the clock’s own time as a no-op: 200, nothing written', async () => {
    const before = await written(host)
    const now = await clockNow(host)
    const res = await host.post('/api/clock/advance', { to: now })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ now, daysPassed: [] })
    expect(await written(host)).toEqual(before)
  })

  it.each([
    ['no time', {}, 'is required'],
    ['a date without a time', { to: '2031-01-01' }, 'must be an RFC 3339 timestamp'],
    ['a time without an offset', { to: '2031-01-01T10:00:00' }, 'must be an RFC 3339 timestamp'],
    ['a time that does not exist', { to: '2031-02-30T10:00:00Z' }, 'must be a date that exists'],
    ['a time more than 366 days on', { to: '2031-01-07T00:00:00Z' }, 'must be at most 366 days after'],
  ])('refuses %s with 400 naming /to, and changes nothing', async (_, body, message) => {
    const before = await written(host)
    const res = await host.post('/api/clock/advance', body)
    expect(res.status).toBe(400)
    const problem = (await res.json()) as Problem
    expect(problem.errors).toEqual([{ field: '/to', message: expect.stringContaining(message) }])
    expect(await written(host)).toEqual(before)
  })

  it('moves the time of every service in the process at once: the next customer’s event is stamped with it', async () => {
    await host.post('/api/clock/advance', { to: '2030-02-01T09:30:00Z' })

    expect((await host.post('/api/customers', sampleCustomer('clock-c1'))).status).toBe(201)

    await vi.waitFor(async () =>
      expect((await published(host, 'customers')).find((e) => e.stream === 'clock-c1')?.occurredAt).toBe(
        '2030-02-01T09:30:00.000Z',
      ),
    )
  })

  it('shares the time at <prefix>.clock.manual for the services of other processes', async () => {
    await host.post('/api/clock/advance', { to: '2030-02-02T00:00:00Z' })
    expect(await redis.get(manualTimeKey(host.config.streamPrefix))).toBe('2030-02-02T00:00:00.000Z')
  })
})

describe('a manual clock started again', () => {
  it('goes on from the time it stood at, and announces no day again', async () => {
    const first = await manualHost()
    let again: TestHost | undefined
    onTestFinished(async () => {
      // Its own data directory, made and left unused, goes too; the one it used is the first's.
      await again?.cleanup()
      await first.cleanup()
    })
    await stepTo(first, '2031-05-01T12:00:00Z')
    await first.post('/api/clock/advance', { to: '2031-05-03T12:00:00Z' })
    const before = await written(first)
    await first.stop()

    again = await manualHost({ dataDir: first.config.dataDir, streamPrefix: first.config.streamPrefix })

    expect(await clockNow(again)).toBe('2031-05-03T12:00:00.000Z')
    expect(await written(again)).toEqual(before)
    const res = await again.post('/api/clock/advance', { to: '2031-05-04T12:00:00Z' })
    expect(await res.json()).toMatchObject({ daysPassed: ['2031-05-03'] })
  })
})

describe('the system clock (CLOCK=system, the default)', () => {
  let host: TestHost
  beforeAll(async () => {
    host = await startTestHost({ services: ['clock'] })
  })
  afterAll(() => host.cleanup())

  it('tells the system’s time and WORKSHOP_TZ', async () => {
    const before = systemClock.now().getTime()
    const clock = (await (await host.get('/api/clock')).json()) as ClockView
    expect(clock).toMatchObject({ mode: 'system', timeZone: 'UTC' })
    expect(Date.parse(clock.now)).toBeGreaterThanOrEqual(before)
    expect(Date.parse(clock.now)).toBeLessThanOrEqual(systemClock.now().getTime())
  })

  it('refuses to be advanced with 409 clock-not-manual, and changes nothing', async () => {
    const before = await written(host)
    const res = await host.post('/api/clock/advance', { to: '2040-01-01T00:00:00Z' })
    expect(res.status).toBe(409)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(await res.json()).toMatchObject({ type: 'urn:pitstop:rule:clock-not-manual', status: 409 })
    expect(await written(host)).toEqual(before)
  })
})
