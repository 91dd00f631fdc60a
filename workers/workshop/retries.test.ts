import { count, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  sampleCustomer,
  sampleVehicle,
  startTestHost,
  type TestHost,
} from '../../shared/host/node/test-host.ts'
import { events, jobIds, outbox } from './schema.ts'

let host: TestHost
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

const at = (day: string, time: string) => `${day}T${time}:00.000Z`
const job = (day: string, overrides: Record<string, unknown> = {}) => ({
  startTime: at(day, '09:00'),
  endTime: at(day, '10:00'),
  customerId: 'ann',
  licenseNumber: 'AB-12-CD',
  description: 'Replace brake pads',
  ...overrides,
})
const finish = (day: string, notes = 'Pads replaced') => ({
  startTime: at(day, '09:05'),
  endTime: at(day, '09:55'),
  notes,
})
const plan = (day: string, body: unknown, headers?: Record<string, string>) =>
  host.post(`/api/workshop/planning/${day}/jobs`, body, headers)
const finishJob = (day: string, jobId: string, body: unknown) =>
  host.put(`/api/workshop/planning/${day}/jobs/${jobId}/finish`, body)

const written = async () => {
  const db = host.db('workshop')
  return {
    events: (await db.select({ n: count() }).from(events))[0]!.n,
    outbox: (await db.select({ n: count() }).from(outbox))[0]!.n,
    jobIds: (await db.select({ n: count() }).from(jobIds))[0]!.n,
  }
}
const eventsOfType = async (type: string) =>
  (await host.db('workshop').select({ n: count() }).from(events).where(eq(events.type, type)))[0]!.n
const answer = async (res: Response) => ({
  status: res.status,
  location: res.headers.get('location'),
  body: (await res.json()) as Record<string, unknown>,
})
const jobsOn = async (day: string) =>
  ((await (await host.get(`/api/workshop/planning/${day}`)).json()) as { jobs: unknown[] }).jobs

describe('POST /api/workshop/planning/{date}/jobs with a jobId, repeated', () => {
  it('answers an exact repeat like the first (201, job, Location), without a second event', async () => {
    const day = '2027-01-04'
    const first = await answer(await plan(day, job(day, { jobId: 'rj-1' })))
    const before = await written()

    const repeat = await plan(day, job(day, { jobId: 'rj-1' }))

    expect(first).toMatchObject({
      status: 201,
      location: `/api/workshop/planning/${day}/jobs/rj-1`,
      body: { jobId: 'rj-1', status: 'planned' },
    })
    expect(await answer(repeat)).toEqual(first)
    expect(await written()).toEqual(before)
    expect(await jobsOn(day)).toHaveLength(1)
  })

  it('refuses the job id with another body: 409 job-id-unique, nothing written', async () => {
    const day = '2027-01-05'
    await plan(day, job(day, { jobId: 'rj-2' }))
    const before = await written()

    const other = await plan(day, job(day, { jobId: 'rj-2', description: 'Something else' }))

    expect(other.status).toBe(409)
    expect(await other.json()).toMatchObject({ type: 'urn:pitstop:rule:job-id-unique', status: 409 })
    expect(await written()).toEqual(before)
  })

  it('plans concurrent exact repeats once and answers each like the first', async () => {
    const day = '2027-01-06'
    const before = await eventsOfType('MaintenanceJobPlanned')

    const responses = await Promise.all(
      Array.from({ length: 5 }, () => plan(day, job(day, { jobId: 'rj-3' }))),
    )

    const answers = await Promise.all(responses.map(answer))
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201])
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1)
    expect(await eventsOfType('MaintenanceJobPlanned')).toBe(before + 1)
    expect(await jobsOn(day)).toHaveLength(1)
  })
})

describe('POST /api/workshop/planning/{date}/jobs without a jobId, with an Idempotency-Key', () => {
  it('answers a retry with the same key and body like the first: the same generated job, no duplicate', async () => {
    const day = '2027-01-07'
    const first = await answer(await plan(day, job(day), { 'idempotency-key': 'jk-1' }))
    const before = await written()

    const retry = await plan(day, job(day), { 'idempotency-key': 'jk-1' })

    expect(first.status).toBe(201)
    expect(await answer(retry)).toEqual(first)
    expect(await written()).toEqual(before)
    expect(await jobsOn(day)).toHaveLength(1)
  })

  it('refuses the key with another body: 409 idempotency-key-reused, nothing written', async () => {
    const day = '2027-01-08'
    await plan(day, job(day), { 'idempotency-key': 'jk-2' })
    const before = await written()

    const other = await plan(day, job(day, { startTime: at(day, '13:00'), endTime: at(day, '14:00') }), {
      'idempotency-key': 'jk-2',
    })

    expect(other.status).toBe(409)
    expect(await other.json()).toMatchObject({ type: 'urn:pitstop:rule:idempotency-key-reused', status: 409 })
    expect(await written()).toEqual(before)
  })

  it('plans concurrent retries with one key once', async () => {
    const day = '2027-01-11'
    const before = await eventsOfType('MaintenanceJobPlanned')

    const responses = await Promise.all(
      Array.from({ length: 5 }, () => plan(day, job(day), { 'idempotency-key': 'jk-3' })),
    )

    const answers = await Promise.all(responses.map(answer))
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201])
    expect(new Set(answers.map((a) => a.body.jobId)).size).toBe(1)
    expect(await eventsOfType('MaintenanceJobPlanned')).toBe(before + 1)
    expect(await jobsOn(day)).toHaveLength(1)
  })

  it('refuses a malformed key with 400 naming the header, writing nothing', async () => {
    const day = '2027-01-12'
    const before = await written()

    const res = await plan(day, job(day), { 'idempotency-key': 'not a key' })

    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ errors: [{ field: '/header/idempotency-key' }] })
    expect(await written()).toEqual(before)
  })
})

describe('PUT /api/workshop/planning/{date}/jobs/{jobId}/finish, repeated', () => {
  it('answers an exact repeat like the first (200, finished job), without a second event', async () => {
    const day = '2027-01-13'
    await plan(day, job(day, { jobId: 'rf-1' }))
    const first = await answer(await finishJob(day, 'rf-1', finish(day)))
    const before = await written()

    const repeat = await finishJob(day, 'rf-1', finish(day))

    expect(first).toMatchObject({ status: 200, body: { jobId: 'rf-1', status: 'finished' } })
    expect(await answer(repeat)).toEqual(first)
    expect(await written()).toEqual(before)
  })

  it('refuses a finish with other details: 409 job-already-finished, nothing written', async () => {
    const day = '2027-01-14'
    await plan(day, job(day, { jobId: 'rf-2' }))
    await finishJob(day, 'rf-2', finish(day))
    const before = await written()

    const other = await finishJob(day, 'rf-2', finish(day, 'Something else'))

    expect(other.status).toBe(409)
    expect(await other.json()).toMatchObject({ type: 'urn:pitstop:rule:job-already-finished', status: 409 })
    expect(await written()).toEqual(before)
  })

  it('finishes once for concurrent exact repeats and answers each like the first', async () => {
    const day = '2027-01-15'
    await plan(day, job(day, { jobId: 'rf-3' }))
    const before = await eventsOfType('MaintenanceJobFinished')

    const responses = await Promise.all(Array.from({ length: 5 }, () => finishJob(day, 'rf-3', finish(day))))

    const answers = await Promise.all(responses.map(answer))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200])
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1)
    expect(await eventsOfType('MaintenanceJobFinished')).toBe(before + 1)
  })
})
