import { count } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { events, outbox } from '../../shared/db/kernel-schema.ts'
import {
  sampleCustomer,
  sampleVehicle,
  startTestHost,
  type TestHost,
} from '../../shared/host/node/test-host.ts'

let host: TestHost
const date = '2026-12-01'
const at = (time: string, day = date) => `${day}T${time}:00.000Z`
const job = (overrides: Record<string, unknown> = {}) => ({
  startTime: at('09:00'),
  endTime: at('10:00'),
  customerId: 'ann',
  licenseNumber: 'AB-12-CD',
  description: 'Replace brake pads',
  ...overrides,
})
type Problem = { type: string; status: number; errors?: { field: string }[] }

/** The answer is a problem with this status, naming this rule, in its body as in its status line. */
async function expectProblem(res: Response, status: number, rule: string) {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  expect(await res.json()).toMatchObject({ status, type: `urn:pitstop:rule:${rule}` })
}

beforeAll(async () => {
  host = await startTestHost()
  await host.post('/api/customers', sampleCustomer('ann'))
  for (const plate of ['AB-12-CD', 'EF-34-GH', 'IJ-56-KL', 'MN-78-OP', 'QR-90-ST']) {
    await host.post('/api/vehicles', sampleVehicle(plate, 'ann'))
  }
  await vi.waitFor(
    async () => expect((await host.get('/api/workshop/refdata/vehicles/QR-90-ST')).status).toBe(200),
    {
      timeout: 5000,
    },
  )
})
afterAll(() => host.cleanup())

const written = async () => ({
  events: (await host.db('workshop').select({ n: count() }).from(events))[0]!.n,
  outbox: (await host.db('workshop').select({ n: count() }).from(outbox))[0]!.n,
})

describe('reference data', () => {
  it('holds the customers and vehicles registered with the other services', async () => {
    expect(await (await host.get('/api/workshop/refdata/customers/ann')).json()).toEqual(
      sampleCustomer('ann'),
    )
    expect(await (await host.get('/api/workshop/refdata/vehicles/ab-12-cd')).json()).toEqual(
      sampleVehicle('AB-12-CD', 'ann'),
    )
    const customers = (await (await host.get('/api/workshop/refdata/customers')).json()) as unknown[]
    const vehicles = (await (await host.get('/api/workshop/refdata/vehicles')).json()) as unknown[]
    expect(customers).toHaveLength(1)
    expect(vehicles).toHaveLength(5)
  })

  it('answers 404 for unknown reference data and 400 for malformed keys', async () => {
    expect((await host.get('/api/workshop/refdata/customers/nobody')).status).toBe(404)
    expect((await host.get('/api/workshop/refdata/vehicles/ZZ-99-ZZ')).status).toBe(404)
    expect((await host.get('/api/workshop/refdata/vehicles/nonsense')).status).toBe(400)
  })
})

describe('POST /api/workshop/planning/{date}/jobs', () => {
  it('plans a job with customer and vehicle from the reference data, creating the planning on first use', async () => {
    const res = await host.post(
      `/api/workshop/planning/2026-12-02/jobs`,
      job({ jobId: 'j-first', startTime: at('08:00', '2026-12-02'), endTime: at('09:00', '2026-12-02') }),
    )
    expect(res.status).toBe(201)
    expect(res.headers.get('location')).toBe('/api/workshop/planning/2026-12-02/jobs/j-first')
    expect(await res.json()).toMatchObject({
      jobId: 'j-first',
      status: 'planned',
      customer: { customerId: 'ann', name: 'Ann de Vries', telephoneNumber: '+31 6 12345678' },
      vehicle: { licenseNumber: 'AB-12-CD', brand: 'Opel', type: 'Astra' },
    })
    const stored = await host.db('workshop').select().from(events)
    const types = stored.filter((e) => e.streamId === '2026-12-02').map((e) => e.type)
    expect(types).toEqual(['WorkshopPlanningCreated', 'MaintenanceJobPlanned'])
  })

  it('shows a job in the planning right after it was planned', async () => {
    const res = await host.post(`/api/workshop/planning/${date}/jobs`, job({ jobId: 'j-now' }))
    expect(res.status).toBe(201)
    const planning = (await (await host.get(`/api/workshop/planning/${date}`)).json()) as {
      jobs: { jobId: string }[]
    }
    expect(planning.jobs.map((j) => j.jobId)).toContain('j-now')
    expect((await host.get(`/api/workshop/planning/${date}/jobs/j-now`)).status).toBe(200)
  })

  it('refuses an unknown customer or vehicle with 422, and writes nothing', async () => {
    const before = await written()
    const noCustomer = await host.post(
      `/api/workshop/planning/${date}/jobs`,
      job({ customerId: 'nobody', startTime: at('13:00'), endTime: at('14:00') }),
    )
    await expectProblem(noCustomer, 422, 'unknown-customer')
    const noVehicle = await host.post(
      `/api/workshop/planning/${date}/jobs`,
      job({ licenseNumber: 'ZZ-99-ZZ', startTime: at('13:00'), endTime: at('14:00') }),
    )
    await expectProblem(noVehicle, 422, 'unknown-vehicle')
    expect(await written()).toEqual(before)
  })

  it('plans for a customer and vehicle refused a moment ago once the reference data has them', async () => {
    const day = '2026-12-03'
    const slot = { startTime: at('08:00', day), endTime: at('09:00', day) }
    const plan = () =>
      host.post(
        `/api/workshop/planning/${day}/jobs`,
        job({ customerId: 'late', licenseNumber: 'LA-12-TE', ...slot }),
      )
    expect((await plan()).status).toBe(422)

    await host.post('/api/customers', sampleCustomer('late'))
    await host.post('/api/vehicles', sampleVehicle('LA-12-TE', 'late'))
    await vi.waitFor(async () => expect((await plan()).status).toBe(201), { timeout: 5000 })
  })

  it.each([
    ['a date that does not exist', '2026-02-30', job(), '/param/date'],
    ['a malformed date', '01-12-2026', job(), '/param/date'],
    ['a start time that is not a timestamp', date, job({ startTime: 'nine o clock' }), '/startTime'],
    ['a missing description', date, job({ description: undefined }), '/description'],
    ['a malformed license number', date, job({ licenseNumber: 'AB12CD' }), '/licenseNumber'],
    // Date.parse cannot read `+01`: every rule compared NaN and let the job through.
    ['a start time with an hour-only offset', date, job({ startTime: `${date}T18:00:00+01` }), '/startTime'],
    ['an end time with an offset without colon', date, job({ endTime: `${date}T18:00:00+0100` }), '/endTime'],
    ['an end time on February 30', '2026-02-28', job({ endTime: '2026-02-30T08:00:00Z' }), '/endTime'],
    ['a start time in nanoseconds', date, job({ startTime: `${date}T09:00:00.000000001Z` }), '/startTime'],
    ['a planning date in the year 0099', '0099-12-01', job(), '/param/date'],
    ['a description with an escape character', date, job({ description: 'Brakes\u001b[2J' }), '/description'],
    ['a description with a lone surrogate', date, job({ description: 'Brakes \ud83d' }), '/description'],
  ])('refuses %s with 400 naming the field, and writes nothing', async (_, day, body, field) => {
    const before = await written()
    const res = await host.post(`/api/workshop/planning/${day}/jobs`, body)
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(((await res.json()) as Problem).errors!.map((e) => e.field)).toEqual([field])
    expect(await written()).toEqual(before)
  })

  it('stores and answers times sent with offsets in canonical UTC, and lists the jobs by instant', async () => {
    const day = '2026-12-09'
    // Sent as text, the later job sorts first ('09:30:00Z' < '10:00:00+01:00'); in time it is second.
    const later = await host.post(
      `/api/workshop/planning/${day}/jobs`,
      job({
        jobId: 'j-later',
        licenseNumber: 'EF-34-GH',
        startTime: `${day}T09:30:00Z`,
        endTime: `${day}T11:30:00+01:00`,
      }),
    )
    expect(later.status).toBe(201)
    const earlier = await host.post(
      `/api/workshop/planning/${day}/jobs`,
      job({ jobId: 'j-earlier', startTime: `${day}T10:00:00+01:00`, endTime: `${day}T04:30:00-05:30` }),
    )
    expect(earlier.status).toBe(201)
    const canonical = { startTime: at('09:00', day), endTime: at('10:00', day) }
    expect(await earlier.json()).toMatchObject(canonical)
    expect(await (await host.get(`/api/workshop/planning/${day}/jobs/j-earlier`)).json()).toMatchObject(
      canonical,
    )
    const stored = await host.db('workshop').select().from(events)
    const planned = stored.filter((e) => e.type === 'MaintenanceJobPlanned' && e.streamId === day)
    expect(planned.map((e) => JSON.parse(e.envelope).data)).toEqual([
      expect.objectContaining({ jobId: 'j-later', startTime: at('09:30', day), endTime: at('10:30', day) }),
      expect.objectContaining({ jobId: 'j-earlier', ...canonical }),
    ])
    const planning = (await (await host.get(`/api/workshop/planning/${day}`)).json()) as {
      jobs: { jobId: string }[]
    }
    expect(planning.jobs.map((j) => j.jobId)).toEqual(['j-earlier', 'j-later'])
    await vi.waitFor(async () => {
      const listed = (await (await host.get(`/api/workshop/jobs?from=${day}&to=${day}`)).json()) as {
        jobId: string
        startTime: string
      }[]
      expect(listed.map(({ jobId, startTime }) => ({ jobId, startTime }))).toEqual([
        { jobId: 'j-earlier', startTime: at('09:00', day) },
        { jobId: 'j-later', startTime: at('09:30', day) },
      ])
    })
  })

  it('applies the rules to the instants of times sent with offsets', async () => {
    const day = '2026-12-10'
    const before = await written()
    // 10 h before it starts, written so that its text reads later: the end is 08:00 UTC, the start 18:00.
    const backwards = await host.post(
      `/api/workshop/planning/${day}/jobs`,
      job({ startTime: `${day}T18:00:00Z`, endTime: `${day}T09:00:00+01:00` }),
    )
    await expectProblem(backwards, 409, 'start-before-end')
    const booked = await host.post(
      `/api/workshop/planning/${day}/jobs`,
      job({ jobId: 'j-booked', startTime: `${day}T09:00:00+01:00`, endTime: `${day}T10:00:00Z` }),
    )
    expect(booked.status).toBe(201)
    const doubleBooked = await host.post(
      `/api/workshop/planning/${day}/jobs`,
      job({ startTime: `${day}T04:29:00-05:30`, endTime: `${day}T11:00:00Z` }),
    )
    await expectProblem(doubleBooked, 409, 'vehicle-not-double-booked')
    expect((await written()).events).toBe(before.events + 2)
  })

  it('refuses a rule violation with 409 naming the rule, and writes nothing', async () => {
    const before = await written()
    const backwards = await host.post(
      `/api/workshop/planning/${date}/jobs`,
      job({ startTime: at('15:00'), endTime: at('14:00') }),
    )
    await expectProblem(backwards, 409, 'start-before-end')
    const otherDay = await host.post(
      `/api/workshop/planning/${date}/jobs`,
      job({ startTime: at('09:00', '2026-12-05'), endTime: at('10:00', '2026-12-05') }),
    )
    await expectProblem(otherDay, 409, 'job-within-planning-day')
    expect(await written()).toEqual(before)
  })

  it('refuses a fourth overlapping job but accepts one that only touches', async () => {
    const day = '2026-12-03'
    const plates = ['AB-12-CD', 'EF-34-GH', 'IJ-56-KL']
    for (const licenseNumber of plates) {
      const res = await host.post(
        `/api/workshop/planning/${day}/jobs`,
        job({ licenseNumber, startTime: at('10:00', day), endTime: at('12:00', day) }),
      )
      expect(res.status).toBe(201)
    }
    const fourth = await host.post(
      `/api/workshop/planning/${day}/jobs`,
      job({ licenseNumber: 'MN-78-OP', startTime: at('11:59', day), endTime: at('13:00', day) }),
    )
    await expectProblem(fourth, 409, 'max-overlapping-jobs')
    const touching = await host.post(
      `/api/workshop/planning/${day}/jobs`,
      job({ licenseNumber: 'MN-78-OP', startTime: at('12:00', day), endTime: at('13:00', day) }),
    )
    expect(touching.status).toBe(201)
  })

  it('refuses the same job id twice in a planning', async () => {
    await host.post(
      `/api/workshop/planning/${date}/jobs`,
      job({ jobId: 'j-dup', licenseNumber: 'QR-90-ST', startTime: at('16:00'), endTime: at('17:00') }),
    )
    const again = await host.post(
      `/api/workshop/planning/${date}/jobs`,
      job({ jobId: 'j-dup', licenseNumber: 'QR-90-ST', startTime: at('18:00'), endTime: at('19:00') }),
    )
    await expectProblem(again, 409, 'job-id-unique')
  })

  it('serialises concurrent plans for the same day: all fit, none is lost', async () => {
    const day = '2026-12-04'
    const plates = ['AB-12-CD', 'EF-34-GH', 'IJ-56-KL', 'MN-78-OP', 'QR-90-ST']
    const responses = await Promise.all(
      plates.map((licenseNumber, i) =>
        host.post(
          `/api/workshop/planning/${day}/jobs`,
          job({
            jobId: `c-${i}`,
            licenseNumber,
            startTime: at(`0${i + 1}:00`, day),
            endTime: at(`0${i + 1}:30`, day),
          }),
        ),
      ),
    )
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201])
    const planning = (await (await host.get(`/api/workshop/planning/${day}`)).json()) as { jobs: unknown[] }
    expect(planning.jobs).toHaveLength(5)
  })
})

describe('PUT /api/workshop/planning/{date}/jobs/{jobId}/finish', () => {
  const finish = {
    startTime: at('09:05', '2026-12-06'),
    endTime: at('09:55', '2026-12-06'),
    notes: 'Pads replaced',
  }

  it('finishes a planned job once; the same finish again is answered alike, another finish is refused with 409', async () => {
    const day = '2026-12-06'
    await host.post(
      `/api/workshop/planning/${day}/jobs`,
      job({ jobId: 'j-fin', startTime: at('09:00', day), endTime: at('10:00', day) }),
    )
    const res = await host.put(`/api/workshop/planning/${day}/jobs/j-fin/finish`, finish)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      jobId: 'j-fin',
      status: 'finished',
      actualStartTime: finish.startTime,
      notes: 'Pads replaced',
    })
    const again = await host.put(`/api/workshop/planning/${day}/jobs/j-fin/finish`, finish)
    expect(again.status).toBe(200)
    const other = await host.put(`/api/workshop/planning/${day}/jobs/j-fin/finish`, {
      ...finish,
      notes: 'Other notes',
    })
    await expectProblem(other, 409, 'job-already-finished')
  })

  it('refuses a finish that ends before it starts (409) and bad input (400), writing nothing', async () => {
    const day = '2026-12-07'
    await host.post(
      `/api/workshop/planning/${day}/jobs`,
      job({ jobId: 'j-bad', startTime: at('09:00', day), endTime: at('10:00', day) }),
    )
    const before = await written()
    const backwards = await host.put(`/api/workshop/planning/${day}/jobs/j-bad/finish`, {
      ...finish,
      startTime: finish.endTime,
      endTime: finish.startTime,
    })
    await expectProblem(backwards, 409, 'start-before-end')
    const bad = await host.put(`/api/workshop/planning/${day}/jobs/j-bad/finish`, { ...finish, notes: 7 })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as Problem).errors!.map((e) => e.field)).toEqual(['/notes'])
    expect(await written()).toEqual(before)
  })

  it('refuses a finish time Date.parse cannot read with 400, and stores one sent with an offset in UTC', async () => {
    const day = '2026-12-11'
    await host.post(
      `/api/workshop/planning/${day}/jobs`,
      job({ jobId: 'j-off', startTime: at('09:00', day), endTime: at('10:00', day) }),
    )
    const before = await written()
    const unreadable = await host.put(`/api/workshop/planning/${day}/jobs/j-off/finish`, {
      startTime: `${day}T18:00:00+01`,
      endTime: `${day}T08:00:00+01`,
      notes: 'x',
    })
    expect(unreadable.status).toBe(400)
    expect(((await unreadable.json()) as Problem).errors!.map((e) => e.field)).toEqual([
      '/startTime',
      '/endTime',
    ])
    expect(await written()).toEqual(before)
    const res = await host.put(`/api/workshop/planning/${day}/jobs/j-off/finish`, {
      startTime: `${day}T10:05:00+01:00`,
      endTime: `${day}T04:25:00-05:30`,
      notes: 'Pads replaced\nDiscs checked',
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      actualStartTime: at('09:05', day),
      actualEndTime: at('09:55', day),
      notes: 'Pads replaced\nDiscs checked',
    })
  })

  it('answers 404 for a job that is not planned', async () => {
    const res = await host.put(`/api/workshop/planning/${date}/jobs/nope/finish`, finish)
    expect(res.status).toBe(404)
    expect((await host.get(`/api/workshop/planning/${date}/jobs/nope`)).status).toBe(404)
  })
})

describe('read side', () => {
  it('answers an empty planning for a day without jobs', async () => {
    expect(await (await host.get('/api/workshop/planning/2030-01-01')).json()).toEqual({
      date: '2030-01-01',
      jobs: [],
    })
  })

  it('keeps the jobs read model and the event log up to date', async () => {
    const day = '2026-12-08'
    await host.post(
      `/api/workshop/planning/${day}/jobs`,
      job({ jobId: 'j-rm', startTime: at('09:00', day), endTime: at('10:00', day) }),
    )
    await host.put(`/api/workshop/planning/${day}/jobs/j-rm/finish`, {
      startTime: at('09:00', day),
      endTime: at('09:40', day),
      notes: 'ok',
    })
    await vi.waitFor(async () => {
      const jobs = (await (await host.get(`/api/workshop/jobs?from=${day}&to=${day}`)).json()) as Record<
        string,
        unknown
      >[]
      expect(jobs).toEqual([
        expect.objectContaining({
          jobId: 'j-rm',
          licenseNumber: 'AB-12-CD',
          notes: 'ok',
          actualEndTime: at('09:40', day),
        }),
      ])
    })
    const log = (await (await host.get('/api/workshop/events?limit=1000')).json()) as {
      type: string
      source: string
    }[]
    expect(log.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'CustomerRegistered',
        'VehicleRegistered',
        'MaintenanceJobPlanned',
        'MaintenanceJobFinished',
      ]),
    )
    expect(log.find((e) => e.type === 'CustomerRegistered')!.source).toBe(
      `${host.config.streamPrefix}.customers`,
    )
    expect((await host.get('/api/workshop/jobs?from=2026-12-08')).status).toBe(400)
  })
})

describe('GET /api/workshop/jobs', () => {
  it.each([
    ['without to', 'from=2026-12-08', '/query/to'],
    ['with to before from', 'from=2026-12-08&to=2026-12-07', '/query/to'],
    ['over a quarter', 'from=1900-01-01&to=9999-12-31', '/query/to'],
  ])('refuses a range %s with 400 naming the field', async (_, query, field) => {
    const response = await host.get(`/api/workshop/jobs?${query}`)
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ status: 400, errors: [expect.objectContaining({ field })] })
  })

  it('takes a range of up to 91 days after from', async () => {
    expect((await host.get('/api/workshop/jobs?from=2026-01-01&to=2026-04-02')).status).toBe(200)
    expect((await host.get('/api/workshop/jobs?from=2026-01-01&to=2026-04-03')).status).toBe(400)
  })
})
