import { createClient } from '@libsql/client'
import { count, eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/libsql'
import { migrate } from 'drizzle-orm/libsql/migrator'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest'
import { newUuidV7, systemClock } from '../../shared/clock.ts'
import type { Envelope } from '../../shared/contracts/index.ts'
import type { Db } from '../../shared/db/database.ts'
import { commitWrites } from '../../shared/db/statements.ts'
import { toEnvelopes } from '../../shared/envelope.ts'
import { tempDatabase } from '../../shared/testing/temp-database.ts'
import {
  sampleCustomer,
  sampleVehicle,
  startTestHost,
  type TestHost,
} from '../../shared/host/node/test-host.ts'
import { workshopProjection } from './projection.ts'
import { events, jobIds, jobs, outbox } from './schema.ts'

// Repairs refer to a job by its id alone, so a job id names one job across all plannings.

const at = (day: string, time: string) => `${day}T${time}:00.000Z`
const job = (jobId: string, day: string, hour = '09', overrides: Record<string, unknown> = {}) => ({
  jobId,
  startTime: at(day, `${hour}:00`),
  endTime: at(day, `${hour}:30`),
  customerId: 'ann',
  licenseNumber: 'AB-12-CD',
  description: 'Replace brake pads',
  ...overrides,
})
type Problem = { type: string }

describe('planning a job id over HTTP', () => {
  let host: TestHost
  const plan = (day: string, body: ReturnType<typeof job>) =>
    host.post(`/api/workshop/planning/${day}/jobs`, body)
  const written = async () => {
    const db = host.db('workshop')
    return {
      events: (await db.select({ n: count() }).from(events))[0]!.n,
      outbox: (await db.select({ n: count() }).from(outbox))[0]!.n,
      jobIds: (await db.select({ n: count() }).from(jobIds))[0]!.n,
    }
  }
  const plannedEventsOf = async (jobId: string) =>
    (await host.db('workshop').select().from(events).where(eq(events.type, 'MaintenanceJobPlanned')))
      .map((row) => JSON.parse(row.envelope) as { stream: string; data: { jobId: string } })
      .filter((e) => e.data.jobId === jobId)
      .map((e) => e.stream)

  beforeAll(async () => {
    host = await startTestHost({ services: ['customers', 'vehicles', 'workshop'] })
    await host.post('/api/customers', sampleCustomer('ann'))
    await host.post('/api/vehicles', sampleVehicle('AB-12-CD', 'ann'))
    await vi.waitFor(
      async () => expect((await host.get('/api/workshop/refdata/vehicles/AB-12-CD')).status).toBe(200),
      { timeout: 5000 },
    )
  })
  afterAll(() => host.cleanup())

  it('refuses a job id already planned on another date with 409 job-id-unique, and writes nothing', async () => {
    expect((await plan('2026-12-10', job('j-once', '2026-12-10'))).status).toBe(201)
    const before = await written()

    const elsewhere = await plan('2026-12-11', job('j-once', '2026-12-11'))

    expect(elsewhere.status).toBe(409)
    expect(elsewhere.headers.get('content-type')).toBe('application/problem+json')
    expect(((await elsewhere.json()) as Problem).type).toBe('urn:pitstop:rule:job-id-unique')
    expect(await written()).toEqual(before)
    expect((await host.get('/api/workshop/planning/2026-12-11/jobs/j-once')).status).toBe(404)
    expect(await (await host.get('/api/workshop/planning/2026-12-11')).json()).toEqual({
      date: '2026-12-11',
      jobs: [],
    })
    expect(await plannedEventsOf('j-once')).toEqual(['2026-12-10'])
  })

  it('answers an exact repeat on the same date like the first (201, the same job), nothing written', async () => {
    const body = job('j-repeat', '2026-12-12')
    const first = await plan('2026-12-12', body)
    expect(first.status).toBe(201)
    const before = await written()

    const repeat = await plan('2026-12-12', body)

    expect(repeat.status).toBe(201)
    expect(await repeat.json()).toEqual(await first.json())
    expect(await written()).toEqual(before)
    expect(await plannedEventsOf('j-repeat')).toEqual(['2026-12-12'])
  })

  it('plans each of concurrent requests for one job id on two dates exactly once; the others in the burst are unaffected', async () => {
    const [dayA, dayB] = ['2026-12-13', '2026-12-14']
    const ids = ['k-0', 'k-1', 'k-2', 'k-3', 'k-4']
    const before = await written()

    // One burst: each id on both dates, plus one id of its own; group commit puts several in one batch.
    const requests = [
      ...ids.flatMap((id, i) => [
        { id, day: dayA, body: job(id, dayA, `0${i + 1}`) },
        { id, day: dayB, body: job(id, dayB, `0${i + 1}`) },
      ]),
      { id: 'k-alone', day: dayA, body: job('k-alone', dayA, '08') },
    ]
    const statuses = await Promise.all(requests.map(async (r) => (await plan(r.day, r.body)).status))

    const winners = new Set([dayA])
    for (const id of ids) {
      const outcomes = requests.flatMap((r, i) => (r.id === id ? [statuses[i]] : []))
      expect(outcomes.sort()).toEqual([201, 409])
      const winner = requests.find((r, i) => r.id === id && statuses[i] === 201)!.day
      winners.add(winner)
      expect(await plannedEventsOf(id)).toEqual([winner])
      expect(await host.db('workshop').select().from(jobIds).where(eq(jobIds.jobId, id))).toEqual([
        { jobId: id, date: winner },
      ])
      const loser = winner === dayA ? dayB : dayA
      expect((await host.get(`/api/workshop/planning/${loser}/jobs/${id}`)).status).toBe(404)
    }
    expect(statuses.at(-1)).toBe(201)
    // Six jobs planned, and each planning that got one created: every event once, in store and outbox.
    const after = await written()
    expect(after.events - before.events).toBe(6 + winners.size)
    expect(after.outbox - before.outbox).toBe(6 + winners.size)
    expect(after.jobIds - before.jobIds).toBe(6)
  })
})

describe('the jobs read model, given events of one job id on two dates (planned twice before ids were unique)', () => {
  const metadata = { correlationId: 'legacy', causationId: 'legacy', actor: 'test' }
  const planned = (jobId: string, day: string, description: string) =>
    toEnvelopes(
      [
        {
          type: 'MaintenanceJobPlanned',
          data: {
            planningId: day,
            jobId,
            startTime: at(day, '09:00'),
            endTime: at(day, '10:00'),
            description,
            customer: { customerId: 'ann', name: 'Ann de Vries', telephoneNumber: '+31 6 12345678' },
            vehicle: { licenseNumber: 'AB-12-CD', brand: 'Opel', type: 'Astra' },
          },
        },
      ],
      { stream: day, after: 1, metadata, clock: systemClock, newId: newUuidV7 },
    )[0]!
  const finished = (jobId: string, day: string, notes: string) =>
    toEnvelopes(
      [
        {
          type: 'MaintenanceJobFinished',
          data: { planningId: day, jobId, startTime: at(day, '09:00'), endTime: at(day, '09:45'), notes },
        },
      ],
      { stream: day, after: 2, metadata, clock: systemClock, newId: newUuidV7 },
    )[0]!
  const apply = async (db: Db, ...envelopes: Envelope[]) => {
    const project = workshopProjection(db)
    for (const envelope of envelopes) await commitWrites(db, await project(envelope))
  }

  it.each([
    ['the first date first', '2026-12-20', '2026-12-21'],
    ['the second date first', '2026-12-21', '2026-12-20'],
  ])('keeps the row of the date that came first, unmixed (%s)', async (_, first, second) => {
    const { db } = await tempDatabase('workshop')

    await apply(
      db,
      planned('j-twice', first, `Job of ${first}`),
      planned('j-twice', second, `Job of ${second}`),
      finished('j-twice', second, `Finished on ${second}`),
    )

    expect(await db.select().from(jobs)).toEqual([
      expect.objectContaining({
        jobId: 'j-twice',
        date: first,
        startTime: at(first, '09:00'),
        description: `Job of ${first}`,
        notes: null,
        actualEndTime: null,
      }),
    ])
  })

  it('still completes a row of its own date from events in either order', async () => {
    const { db } = await tempDatabase('workshop')

    await apply(db, finished('j-own', '2026-12-22', 'Done'), planned('j-own', '2026-12-22', 'Job of the day'))

    expect(await db.select().from(jobs)).toEqual([
      expect.objectContaining({ date: '2026-12-22', description: 'Job of the day', notes: 'Done' }),
    ])
  })
})

describe('the job_ids migration, given a database with events from before it', () => {
  it('claims every planned job id for the date of its earliest plan', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pitstop-job-ids-'))
    const client = createClient({ url: `file:${join(dir, 'workshop.db')}` })
    onTestFinished(async () => {
      client.close()
      await rm(dir, { recursive: true, force: true })
    })
    const db = drizzle(client)
    const migrations = fileURLToPath(new URL('../../migrations/workshop', import.meta.url))
    // The migrations up to the one before job_ids.
    const older = join(dir, 'migrations')
    await cp(migrations, older, { recursive: true })
    const journalFile = join(older, 'meta', '_journal.json')
    const journal = JSON.parse(await readFile(journalFile, 'utf8')) as { entries: { tag: string }[] }
    const upTo = journal.entries.findIndex((e) => e.tag.endsWith('_job_ids'))
    expect(upTo).toBeGreaterThan(0)
    await writeFile(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, upTo) }))
    await migrate(db, { migrationsFolder: older })
    const metadata = { correlationId: 'old', causationId: 'old', actor: 'test' }
    const history = [
      ['2026-11-02', 'j-old'],
      ['2026-11-01', 'j-twice'], // planned first, on the later date of the two
      ['2026-10-30', 'j-twice'],
    ].flatMap(([day, jobId], i) =>
      toEnvelopes(
        [
          { type: 'WorkshopPlanningCreated', data: { planningId: day, date: day } },
          { type: 'MaintenanceJobPlanned', data: { planningId: day, jobId, description: `plan ${i}` } },
        ],
        { stream: day!, after: 0, metadata, clock: systemClock, newId: newUuidV7 },
      ),
    )
    await db.insert(events).values(
      history.map((e) => ({
        streamId: e.stream,
        position: e.position,
        eventId: e.id,
        type: e.type,
        envelope: JSON.stringify(e),
      })),
    )

    await migrate(db, { migrationsFolder: migrations })

    expect(await db.select().from(jobIds).orderBy(jobIds.jobId)).toEqual([
      { jobId: 'j-old', date: '2026-11-02' },
      { jobId: 'j-twice', date: '2026-11-01' },
    ])
  })
})
