import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Identity } from '../../shared/auth/principal.ts'
import { parseConfig } from '../../shared/host/config.ts'
import { startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { INSIGHTS_GROUP } from './consumer.ts'
import { planned, producers, requested, testClock, type Producers } from './testing.ts'

// The HTTP API of insights in a workshop in Amsterdam, on 2026-12-15 by the host's clock.

let host: TestHost
let streams: Producers
const clock = testClock('2026-12-15T12:00:00.000Z')
beforeAll(async () => {
  const settings = parseConfig({
    WORKSHOP_TZ: 'Europe/Amsterdam',
    WORKSTATIONS: '2',
    WORKDAY_HOURS: '10',
  }).settings
  host = await startTestHost({ services: ['insights'], settings }, { clock })
  streams = await producers(host, clock)
})
afterAll(async () => {
  await streams?.close()
  await host?.cleanup()
})

const as = async (identity: Identity) => ({
  authorization: `Bearer ${await host.tokenFor(identity)}`,
})
const problemOf = async (response: Response) => {
  expect(response.status).toBe(400)
  expect(response.headers.get('content-type')).toBe('application/problem+json')
  return (await response.json()) as { errors?: { field: string; message: string }[] }
}

describe.each(['summary', 'daily'])('GET /api/insights/%s', (endpoint) => {
  const path = `/api/insights/${endpoint}`

  it('answers the manager', async () => {
    expect((await host.get(path, await as({ role: 'manager', email: 'boss@pitstop.local' }))).status).toBe(
      200,
    )
  })

  it.each([
    { role: 'mechanic', email: 'mechanic@pitstop.local' },
    { role: 'support', email: 'support@pitstop.local' },
    { role: 'customer', customerId: 'cust-1' },
  ] as Identity[])('refuses a $role (403)', async (identity) => {
    const response = await host.get(path, await as(identity))
    expect(response.status).toBe(403)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
  })

  it('asks an anonymous caller to sign in (401)', async () => {
    expect((await fetch(`${host.url}${path}`)).status).toBe(401)
  })

  it('covers the last 30 days up to today in the workshop time zone when no range is asked for', async () => {
    // 23:30 UTC on the 15th is already the 16th in Amsterdam.
    clock.set('2026-12-15T23:30:00.000Z')
    try {
      expect(await (await host.get(path)).json()).toMatchObject({
        from: '2026-11-17',
        to: '2026-12-16',
        timeZone: 'Europe/Amsterdam',
      })
    } finally {
      clock.set('2026-12-15T12:00:00.000Z')
    }
  })

  it.each([
    ['a date that does not exist', 'from=2026-02-30&to=2026-03-01', '/query/from'],
    ['a date in another form', 'from=2026-12-01&to=15-12-2026', '/query/to'],
    ['to before from', 'from=2026-12-10&to=2026-12-09', '/query/to'],
    ['from after today, without to', 'from=2026-12-16', '/query/from'],
    ['more than 366 days', 'from=2025-12-14&to=2026-12-15', '/query/to'],
    ['a range ending on the last day of 9999', 'from=9999-12-31&to=9999-12-31', '/query/to'],
  ])('refuses %s with 400 naming the field', async (_, query, field) => {
    const problem = await problemOf(await host.get(`${path}?${query}`))
    expect(problem.errors?.map((error) => error.field)).toEqual([field])
  })
})

describe('the daily figures', () => {
  it('have one entry per day, an approval on the day it was asked in Amsterdam, a job on its planned day', async () => {
    // 23:30 UTC on 2026-12-01 is 00:30 on the 2nd in Amsterdam; 22:30 UTC is 23:30 on the 1st.
    clock.set('2026-12-01T22:30:00.000Z')
    await streams.repairs.publish(requested('r-late', 'p-late'))
    clock.set('2026-12-01T23:30:00.000Z')
    await streams.repairs.publish(requested('r-night', 'p-night'))
    await streams.workshop.publish(planned('j-1', '2026-12-03', '08:00', '13:00'))
    clock.set('2026-12-15T12:00:00.000Z')
    for (const producer of [streams.repairs, streams.workshop])
      await producer.consumedBy(host.db('insights'), INSIGHTS_GROUP)

    const response = await host.get('/api/insights/daily?from=2026-11-30&to=2026-12-03')
    expect(response.status).toBe(200)
    const daily = (await response.json()) as {
      days: { date: string; approvals: { requested: number }; jobs: Record<string, unknown> }[]
    }
    expect(daily.days.map((day) => [day.date, day.approvals.requested, day.jobs.planned])).toEqual([
      ['2026-11-30', 0, 0],
      ['2026-12-01', 1, 0],
      ['2026-12-02', 1, 0],
      ['2026-12-03', 0, 1],
    ])
    // 5 hours booked of 2 workstations × 10 hours.
    expect(daily.days[3]!.jobs).toMatchObject({
      bookedMinutes: 300,
      capacityMinutes: 1200,
      utilisation: 0.25,
    })
    expect(daily.days[0]!.jobs).toMatchObject({ averagePlannedMinutes: null, utilisation: 0 })

    const summary = await (await host.get('/api/insights/summary?from=2026-12-02&to=2026-12-03')).json()
    expect(summary).toMatchObject({
      approvals: { requested: 1 },
      jobs: { planned: 1, capacityMinutes: 2400, utilisation: 0.125 },
    })
  })
})
