import { describe, expect, it } from 'vitest'
import { approvalFigures, jobFigures, percentile, type ApprovalFacts, type JobFacts } from './figures.ts'

const T0 = '2026-12-07T09:00:00.000Z'
const plus = (seconds: number, from = T0) => new Date(Date.parse(from) + seconds * 1000).toISOString()

const asked = (facts: Partial<ApprovalFacts> = {}): ApprovalFacts => ({
  requestedAt: T0,
  decidedAt: null,
  outcome: null,
  firstReadAt: null,
  ...facts,
})
const answered = (outcome: 'approved' | 'rejected' | 'expired', afterSeconds: number) =>
  asked({ outcome, decidedAt: plus(afterSeconds) })
const job = (planned: [string, string] | null, actual: [string, string] | null = null): JobFacts => ({
  plannedStart: planned?.[0] ?? null,
  plannedEnd: planned?.[1] ?? null,
  actualStart: actual?.[0] ?? null,
  actualEnd: actual?.[1] ?? null,
})
const at = (time: string) => `2026-12-07T${time}:00.000Z`
const capacity = { workstations: 3, workdayHours: 8 }

describe('a nearest-rank percentile', () => {
  it('is null for no values', () => {
    expect(percentile([], 50)).toBeNull()
  })

  it('is the only value of one', () => {
    expect(percentile([7], 50)).toBe(7)
    expect(percentile([7], 90)).toBe(7)
  })

  it.each([
    // n = 10: p90 is rank ⌈9⌉ = 9, exactly at the boundary.
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
    // n = 11: p90 is rank ⌈9.9⌉ = 10, just past it.
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90, 10],
    // n = 9: p90 is rank ⌈8.1⌉ = 9, the largest.
    [[1, 2, 3, 4, 5, 6, 7, 8, 9], 90, 9],
    // n = 4: p50 is rank 2, the lower of the middle two, never their mean.
    [[1, 2, 3, 4], 50, 2],
    // n = 5: p50 is rank ⌈2.5⌉ = 3, the middle one.
    [[1, 2, 3, 4, 5], 50, 3],
  ])('of %j at p%i is %i', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected)
  })

  it('sorts the values it is given in any order, by number rather than as text', () => {
    expect(percentile([100, 9, 20, 3], 50)).toBe(9)
  })
})

describe('approval figures', () => {
  it('given no approvals, count nothing and give no rate and no times', () => {
    expect(approvalFigures([])).toEqual({
      requested: 0,
      approved: 0,
      rejected: 0,
      expired: 0,
      approvalRate: null,
      approvalTimeSeconds: { p50: null, p90: null },
      reactionTimeSeconds: { p50: null, p90: null },
    })
  })

  it('given approvals requested but none decided yet, have no rate rather than 0', () => {
    const figures = approvalFigures([asked(), asked({ firstReadAt: plus(60) })])
    expect(figures).toMatchObject({ requested: 2, approvalRate: null })
    expect(figures.reactionTimeSeconds).toEqual({ p50: 60, p90: 60 })
  })

  it('given approved, rejected, expired and open approvals, rate the approved over the decided', () => {
    const figures = approvalFigures([
      answered('approved', 60),
      answered('approved', 120),
      answered('rejected', 180),
      answered('expired', 86_400),
      asked(),
    ])
    expect(figures).toMatchObject({ requested: 5, approved: 2, rejected: 1, expired: 1, approvalRate: 0.5 })
  })

  it('times an approval from its request to the answer, leaving expiries out', () => {
    const figures = approvalFigures([
      answered('approved', 60),
      answered('rejected', 600),
      answered('approved', 1800),
      answered('expired', 86_400),
    ])
    expect(figures.approvalTimeSeconds).toEqual({ p50: 600, p90: 1800 })
  })

  it('times the reaction from the request to the first read, whether answered or not', () => {
    const figures = approvalFigures([
      asked({ firstReadAt: plus(30) }),
      { ...answered('approved', 900), firstReadAt: plus(90.5) },
      asked(),
    ])
    expect(figures.reactionTimeSeconds).toEqual({ p50: 30, p90: 90.5 })
  })

  it('takes a read stamped a moment before its request (clocks apart) as no time, not less', () => {
    expect(approvalFigures([asked({ firstReadAt: plus(-2) })]).reactionTimeSeconds).toEqual({
      p50: 0,
      p90: 0,
    })
  })

  it('rounds the rate to four decimals', () => {
    const rate = approvalFigures([
      answered('approved', 1),
      answered('rejected', 1),
      answered('expired', 1),
    ]).approvalRate
    expect(rate).toBe(0.3333)
  })
})

describe('job figures', () => {
  it('given no jobs, count nothing, book nothing and average nothing', () => {
    expect(jobFigures([], 1, capacity)).toEqual({
      planned: 0,
      finished: 0,
      averagePlannedMinutes: null,
      averageActualMinutes: null,
      bookedMinutes: 0,
      capacityMinutes: 1440,
      utilisation: 0,
    })
  })

  it('compares planned and actual durations over the finished jobs with a known plan only', () => {
    const figures = jobFigures(
      [
        job([at('09:00'), at('10:00')], [at('09:00'), at('10:30')]),
        job([at('11:00'), at('13:00')], [at('11:00'), at('12:30')]),
        // Not finished: not compared.
        job([at('14:00'), at('18:00')]),
        // Finished, but its plan is not known yet: counted as finished, not compared.
        job(null, [at('08:00'), at('08:10')]),
      ],
      1,
      capacity,
    )
    expect(figures).toMatchObject({
      planned: 3,
      finished: 3,
      averagePlannedMinutes: 90,
      averageActualMinutes: 90,
    })
  })

  it('measures utilisation as planned time over workstations times workday hours, per day asked', () => {
    // 7 h booked; 3 workstations × 8 h = 24 h a day.
    const jobs = [job([at('09:00'), at('12:00')]), job([at('09:00'), at('13:00')])]
    expect(jobFigures(jobs, 1, capacity)).toMatchObject({
      bookedMinutes: 420,
      capacityMinutes: 1440,
      utilisation: 0.2917,
    })
    expect(jobFigures(jobs, 2, capacity)).toMatchObject({ capacityMinutes: 2880, utilisation: 0.1458 })
  })

  it('shows utilisation above 1 when more was booked than the workdays hold', () => {
    const long = job([at('00:00'), at('23:00')])
    expect(jobFigures([long, long], 1, { workstations: 1, workdayHours: 8 }).utilisation).toBe(5.75)
  })
})
