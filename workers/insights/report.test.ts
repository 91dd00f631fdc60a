import { describe, expect, it } from 'vitest'
import type { ApprovalFacts } from './figures.ts'
import { dayByDay, summarise, type Facts } from './report.ts'

const capacity = { workstations: 2, workdayHours: 8 }
const asked = (requestedAt: string): ApprovalFacts => ({
  requestedAt,
  decidedAt: null,
  outcome: null,
  firstReadAt: null,
})
const job = (day: string, start: string, end: string) => ({
  day,
  plannedStart: `${day}T${start}:00.000Z`,
  plannedEnd: `${day}T${end}:00.000Z`,
  actualStart: null,
  actualEnd: null,
})
const none: Facts = { approvals: [], jobs: [] }

describe('the figures day by day', () => {
  it('has one entry per day of the range, in order, with zeros and nulls on days without events', () => {
    const daily = dayByDay({ from: '2026-12-30', to: '2027-01-02' }, none, capacity, 'UTC')
    expect(daily.days.map((day) => day.date)).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ])
    expect(daily.days[0]).toEqual({
      date: '2026-12-30',
      approvals: {
        requested: 0,
        approved: 0,
        rejected: 0,
        expired: 0,
        approvalRate: null,
        approvalTimeSeconds: { p50: null, p90: null },
        reactionTimeSeconds: { p50: null, p90: null },
      },
      jobs: {
        planned: 0,
        finished: 0,
        averagePlannedMinutes: null,
        averageActualMinutes: null,
        bookedMinutes: 0,
        capacityMinutes: 960,
        utilisation: 0,
      },
    })
  })

  it("counts an approval on the day it was requested in the workshop's time zone", () => {
    // 23:30 UTC on the 1st is 00:30 on the 2nd in Amsterdam (UTC+1 in winter).
    const facts = {
      approvals: [asked('2026-12-01T22:59:59.999Z'), asked('2026-12-01T23:30:00.000Z')],
      jobs: [],
    }
    const range = { from: '2026-12-01', to: '2026-12-02' }

    const inAmsterdam = dayByDay(range, facts, capacity, 'Europe/Amsterdam').days
    expect(inAmsterdam.map((day) => day.approvals.requested)).toEqual([1, 1])
    const inUtc = dayByDay(range, facts, capacity, 'UTC').days
    expect(inUtc.map((day) => day.approvals.requested)).toEqual([2, 0])
  })

  it('counts a job on the day it is planned on', () => {
    const facts = { approvals: [], jobs: [job('2026-12-02', '09:00', '13:00')] }
    const days = dayByDay({ from: '2026-12-01', to: '2026-12-02' }, facts, capacity, 'UTC').days
    expect(days.map((day) => [day.jobs.planned, day.jobs.utilisation])).toEqual([
      [0, 0],
      [1, 0.25],
    ])
  })
})

describe('the summary of a range', () => {
  it('measures utilisation over every day of the range, those without jobs too', () => {
    const facts = { approvals: [], jobs: [job('2026-12-02', '09:00', '13:00')] }
    const summary = summarise({ from: '2026-12-01', to: '2026-12-04' }, facts, capacity, 'UTC')
    expect(summary).toMatchObject({
      from: '2026-12-01',
      to: '2026-12-04',
      timeZone: 'UTC',
      jobs: { planned: 1, bookedMinutes: 240, capacityMinutes: 3840, utilisation: 0.0625 },
    })
  })
})
