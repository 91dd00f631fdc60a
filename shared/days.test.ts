import { describe, expect, it } from 'vitest'
import { dayAfter, dayOf, startOfDay } from './days.ts'

describe('calendar days', () => {
  it.each([
    ['2026-12-01T22:59:59.999Z', 'Europe/Amsterdam', '2026-12-01'],
    ['2026-12-01T23:00:00.000Z', 'Europe/Amsterdam', '2026-12-02'],
    ['2026-12-01T23:00:00.000Z', 'UTC', '2026-12-01'],
    ['2026-12-02T04:59:59.999Z', 'America/New_York', '2026-12-01'],
    ['1900-01-01T12:00:00.000Z', 'UTC', '1900-01-01'],
  ])('puts %s on the day of its time zone (%s): %s', (instant, timeZone, day) => {
    expect(dayOf(new Date(instant), timeZone)).toBe(day)
  })

  it.each([
    ['2026-12-31', '2027-01-01'],
    ['2028-02-28', '2028-02-29'],
    ['2026-02-28', '2026-03-01'],
    ['2026-03-28', '2026-03-29'],
  ])('counts the day after %s as %s', (date, next) => {
    expect(dayAfter(date)).toBe(next)
  })

  it.each([
    ['2026-12-02', 'Europe/Amsterdam', '2026-12-01T23:00:00.000Z'],
    ['2026-03-30', 'Europe/Amsterdam', '2026-03-29T22:00:00.000Z'],
    ['2026-10-26', 'Europe/Amsterdam', '2026-10-25T23:00:00.000Z'],
    ['2026-09-06', 'America/Santiago', '2026-09-06T04:00:00.000Z'],
  ])('starts %s in %s at %s', (date, timeZone, instant) => {
    expect(startOfDay(date, timeZone).toISOString()).toBe(instant)
  })
})
