import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { ManualClock, newUuidV7, type Clock } from '../../shared/clock.ts'
import type { Envelope } from '../../shared/contracts/index.ts'
import { openDatabase } from '../../shared/db/database.ts'
import { createLogger } from '../../shared/logger.ts'
import { createOutbox } from '../../shared/outbox/outbox.ts'
import { daysPassed, outbox } from './schema.ts'
import { clockService } from './service.ts'
import { deadLetterDesk } from '../../shared/consumer/dead-letters.ts'
import { testTokens } from '../../shared/testing/tokens.ts'

/** A clock of the system's kind (not manual) whose time the test sets. */
function settableClock(start: string) {
  let time = new Date(start).getTime()
  return { now: () => new Date(time), set: (to: string) => void (time = new Date(to).getTime()) }
}

/** A database file of the clock's, removed when the test finishes. */
async function clockDatabaseUrl(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pitstop-clock-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return `file:${join(dir, 'clock.db')}`
}

/** The clock service as a host builds it, on a connection of its own to the database at `url`. */
async function clockServiceOn(url: string, clock: Clock, timeZone = 'Europe/Amsterdam') {
  const { db, client } = await openDatabase('clock', url)
  onTestFinished(() => client.close())
  const tokens = testTokens({ clock })
  onTestFinished(tokens.close)
  const service = clockService.create({
    db,
    outbox: createOutbox(db, () => {}),
    clock,
    newId: newUuidV7,
    logger: createLogger('silent'),
    http: { maxBodyBytes: 1024 },
    tokens,
    deadLetters: deadLetterDesk(() => []),
    production: false,
    longLived: true,
    settings: { WORKSHOP_TZ: timeZone },
  })
  /** The manager's credentials, signed at the clock's time of asking. */
  const asManager = async () =>
    `Bearer ${(await tokens.issue({ role: 'manager', email: 'manager@pitstop.local' }, 60_000, newUuidV7())).token}`
  return { db, tick: () => service.tick!() as Promise<Date>, app: service.app, asManager }
}
type ClockServiceOn = Awaited<ReturnType<typeof clockServiceOn>>

const announced = async ({ db }: ClockServiceOn) =>
  (await db.select().from(outbox).orderBy(outbox.seq)).map((row) => JSON.parse(row.envelope) as Envelope)
const announcedDates = async (service: ClockServiceOn) =>
  (await announced(service)).map((event) => (event.data as { date: string }).date)

describe('the clock service on a fresh database, in Europe/Amsterdam', () => {
  it('announces nothing before its first midnight, then the day that ended, once', async () => {
    const clock = settableClock('2026-12-01T10:00:00Z')
    const service = await clockServiceOn(await clockDatabaseUrl(), clock)

    await service.tick()
    clock.set('2026-12-01T22:59:59.999Z')
    await service.tick()
    expect(await announcedDates(service)).toEqual([])

    clock.set('2026-12-01T23:00:00.000Z')
    await service.tick()
    await service.tick()
    expect(await announcedDates(service)).toEqual(['2026-12-01'])
    expect(await service.db.select().from(daysPassed)).toEqual([
      { date: '2026-12-01', recordedAt: '2026-12-01T23:00:00.000Z' },
    ])
  })

  it('gives each DayHasPassed the day as its stream and the midnight it ended at as occurredAt', async () => {
    const clock = settableClock('2026-12-01T10:00:00Z')
    const service = await clockServiceOn(await clockDatabaseUrl(), clock)
    await service.tick()
    clock.set('2026-12-03T12:00:00Z')
    await service.tick()

    expect(await announced(service)).toEqual([
      expect.objectContaining({
        type: 'DayHasPassed',
        version: 1,
        stream: '2026-12-01',
        position: 1,
        occurredAt: '2026-12-01T23:00:00.000Z',
        actor: 'clock',
        data: { date: '2026-12-01' },
      }),
      expect.objectContaining({ stream: '2026-12-02', occurredAt: '2026-12-02T23:00:00.000Z' }),
    ])
  })

  it('is due again at the next midnight there, also across a daylight saving time change', async () => {
    const clock = settableClock('2026-03-29T10:00:00Z')
    const service = await clockServiceOn(await clockDatabaseUrl(), clock)
    expect((await service.tick()).toISOString()).toBe('2026-03-29T22:00:00.000Z')
    clock.set('2026-03-29T22:00:00Z')
    expect((await service.tick()).toISOString()).toBe('2026-03-30T22:00:00.000Z')
  })
})

describe('the clock service started again on its database', () => {
  it('does not announce a day again', async () => {
    const url = await clockDatabaseUrl()
    const clock = settableClock('2026-12-01T10:00:00Z')
    const first = await clockServiceOn(url, clock)
    await first.tick()
    clock.set('2026-12-02T08:00:00Z')
    await first.tick()

    const restarted = await clockServiceOn(url, clock)
    await restarted.tick()
    clock.set('2026-12-02T20:00:00Z')
    await restarted.tick()

    expect(await announcedDates(restarted)).toEqual(['2026-12-01'])
  })

  it('catches up the days that ended while it was down, in order, from the last one announced', async () => {
    const url = await clockDatabaseUrl()
    const clock = settableClock('2026-12-01T10:00:00Z')
    const before = await clockServiceOn(url, clock)
    await before.tick()
    clock.set('2026-12-02T08:00:00Z')
    await before.tick()

    clock.set('2026-12-06T07:00:00Z')
    const after = await clockServiceOn(url, clock)
    await after.tick()

    expect(await announcedDates(after)).toEqual([
      '2026-12-01',
      '2026-12-02',
      '2026-12-03',
      '2026-12-04',
      '2026-12-05',
    ])
  })
})

describe('two clock services on one database file (two hosts)', () => {
  it('announce each day once when they tick at the same moment, after each of 20 midnights', async () => {
    const url = await clockDatabaseUrl()
    const clock = settableClock('2026-12-01T10:00:00Z')
    const one = await clockServiceOn(url, clock)
    const other = await clockServiceOn(url, clock)
    await Promise.all([one.tick(), other.tick()])

    const days: string[] = []
    for (let day = 1; day <= 20; day++) {
      clock.set(`2026-12-${String(day).padStart(2, '0')}T23:00:00Z`)
      await Promise.all([one.tick(), other.tick()])
      days.push(`2026-12-${String(day).padStart(2, '0')}`)
    }

    expect(await announcedDates(one)).toEqual(days)
  })

  it('announce each day once when both advance a manual clock to the same time at once', async () => {
    const url = await clockDatabaseUrl()
    const start = new Date('2026-12-01T10:00:00Z')
    const one = await clockServiceOn(url, new ManualClock(start))
    const other = await clockServiceOn(url, new ManualClock(start))
    const advance = async (service: ClockServiceOn, to: string) =>
      service.app.request('/api/clock/advance', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: await service.asManager() },
        body: JSON.stringify({ to }),
      })

    for (const to of ['2026-12-03T10:00:00Z', '2026-12-03T23:30:00Z', '2026-12-07T00:00:00Z']) {
      const answers = await Promise.all([advance(one, to), advance(other, to)])
      expect(answers.map((answer) => answer.status)).toEqual([200, 200])
    }

    expect(await announcedDates(one)).toEqual([
      '2026-12-01',
      '2026-12-02',
      '2026-12-03',
      '2026-12-04',
      '2026-12-05',
      '2026-12-06',
    ])
  })
})
