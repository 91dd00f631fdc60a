import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { PlanningDate } from './workshop.ts'
import { RecordedTimestamp, Timestamp } from './timestamp.ts'

const parsed = (text: string) => {
  const result = v.safeParse(Timestamp, text)
  return result.success ? result.output : { refused: result.issues.map((i) => i.message).join('; ') }
}

describe('Timestamp', () => {
  it.each([
    ['2026-12-11T17:00:00Z', '2026-12-11T17:00:00.000Z'],
    ['2026-12-11t17:00:00z', '2026-12-11T17:00:00.000Z'],
    ['2026-12-11T18:00:00+01:00', '2026-12-11T17:00:00.000Z'],
    ['2026-12-11T11:30:00-05:30', '2026-12-11T17:00:00.000Z'],
    ['2026-12-11T17:00:00-00:00', '2026-12-11T17:00:00.000Z'],
    ['2026-12-12T00:30:00+07:30', '2026-12-11T17:00:00.000Z'],
    ['2026-12-11T17:00:00.5Z', '2026-12-11T17:00:00.500Z'],
    ['2026-12-11T17:00:00.12Z', '2026-12-11T17:00:00.120Z'],
    ['2026-12-11T17:00:00.123+00:00', '2026-12-11T17:00:00.123Z'],
    ['2026-12-11T17:00:00.123000000Z', '2026-12-11T17:00:00.123Z'],
    ['2027-01-01T00:30:00+01:00', '2026-12-31T23:30:00.000Z'],
    ['2028-02-29T12:00:00Z', '2028-02-29T12:00:00.000Z'],
    ['2000-02-29T12:00:00Z', '2000-02-29T12:00:00.000Z'],
    ['1900-01-01T00:00:00Z', '1900-01-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
    ['2026-12-11T17:00:00+23:59', '2026-12-10T17:01:00.000Z'],
  ])('accepts %s as %s', (text, canonical) => {
    expect(parsed(text)).toBe(canonical)
  })

  const notRfc3339 = /must be an RFC 3339 timestamp with Z or a ±hh:mm offset/
  it.each([
    ['an hour-only offset', '2026-12-11T18:00:00+01', notRfc3339],
    ['an offset without colon', '2026-12-11T18:00:00+0100', notRfc3339],
    ['no offset at all', '2026-12-11T18:00:00', notRfc3339],
    ['a space for the T', '2027-01-15 12:00:00Z', notRfc3339],
    ['no seconds', '2026-12-11T18:00Z', notRfc3339],
    ['a comma before the fraction', '2026-12-11T18:00:00,5Z', notRfc3339],
    ['an empty fraction', '2026-12-11T18:00:00.Z', notRfc3339],
    ['a date alone', '2026-12-11', notRfc3339],
    ['a six-digit year', '+002026-12-11T18:00:00Z', notRfc3339],
    ['digits from another script', '٢٠٢٦-12-11T18:00:00Z', notRfc3339],
    ['surrounding spaces', ' 2026-12-11T18:00:00Z', notRfc3339],
    ['February 30', '2026-02-30T08:00:00Z', /must be a date that exists/],
    ['February 29 in a common year', '2026-02-29T08:00:00Z', /must be a date that exists/],
    ['February 29 in 1900', '1900-02-29T08:00:00Z', /must be a date that exists/],
    ['April 31', '2026-04-31T08:00:00Z', /must be a date that exists/],
    ['month 13', '2026-13-01T08:00:00Z', /must be a date that exists/],
    ['month 00', '2026-00-10T08:00:00Z', /must be a date that exists/],
    ['day 00', '2026-01-00T08:00:00Z', /must be a date that exists/],
    ['hour 24', '2026-12-11T24:00:00Z', /must be a time that exists/],
    ['minute 60', '2026-12-11T18:60:00Z', /must be a time that exists/],
    ['a leap second', '2016-12-31T23:59:60Z', /must not be a leap second/],
    ['an offset of 24 hours', '2026-12-11T18:00:00+24:00', /offset from -23:59 to \+23:59/],
    ['an offset minute 60', '2026-12-11T18:00:00+01:60', /offset from -23:59 to \+23:59/],
    ['microseconds', '2026-12-11T18:00:00.123456Z', /not be more precise than milliseconds/],
    ['nanoseconds', '2026-12-11T18:00:00.000000001Z', /not be more precise than milliseconds/],
    ['the year 0099', '0099-12-11T18:00:00Z', /in the year 1900 or later/],
    ['an instant before 1900 in UTC', '1900-01-01T00:30:00+01:00', /years 1900 to 9999 in UTC/],
    ['an instant after 9999 in UTC', '9999-12-31T23:30:00-01:00', /years 1900 to 9999 in UTC/],
  ])('refuses %s (%s)', (_, text, message) => {
    expect(parsed(text)).toEqual({ refused: expect.stringMatching(message) })
  })

  it('gives text that sorts in time order, whatever offsets the times were sent in', () => {
    const sent = [
      '2026-12-11T18:00:00+01:00', // 17:00
      '2026-12-11T16:30:00Z', // 16:30
      '2026-12-11T11:45:00-05:30', // 17:15
      '2026-12-12T00:00:00+07:30', // 16:30:00.001 below is later
      '2026-12-11T16:30:00.001Z',
    ]
    const canonical = sent.map((text) => v.parse(Timestamp, text))
    expect(canonical.toSorted()).toEqual(canonical.toSorted((a, b) => Date.parse(a) - Date.parse(b)))
    expect(canonical.toSorted()).toEqual([
      '2026-12-11T16:30:00.000Z',
      '2026-12-11T16:30:00.000Z',
      '2026-12-11T16:30:00.001Z',
      '2026-12-11T17:00:00.000Z',
      '2026-12-11T17:15:00.000Z',
    ])
  })

  it('takes the canonical form as it is, so events written by the clock parse unchanged', () => {
    const now = new Date('2026-11-21T10:00:00.000Z').toISOString()
    expect(v.parse(Timestamp, now)).toBe(now)
    expect(v.parse(Timestamp, v.parse(Timestamp, '2026-11-21T11:00:00+01:00'))).toBe(now)
  })
})

describe('PlanningDate', () => {
  it('accepts a date that exists from the year 1900 on', () => {
    for (const date of ['1900-01-01', '2028-02-29', '9999-12-31'])
      expect(v.safeParse(PlanningDate, date).success, date).toBe(true)
  })

  it.each([
    ['0099-06-01', /in the year 1900 or later/],
    ['0000-01-01', /in the year 1900 or later/],
    ['1899-12-31', /in the year 1900 or later/],
    ['2026-02-30', /must be a date that exists/],
    ['2026-2-3', /must be a date YYYY-MM-DD/],
  ])('refuses %s', (date, message) => {
    const result = v.safeParse(PlanningDate, date)
    expect(result.success).toBe(false)
    expect(result.issues?.[0]?.message).toMatch(message)
  })
})

describe('RecordedTimestamp, for times in events recorded before they were canonical', () => {
  const read = (text: string) => {
    const result = v.safeParse(RecordedTimestamp, text)
    return result.success ? result.output : 'refused'
  }

  it.each([
    ['2026-12-11T17:00:00.000Z', '2026-12-11T17:00:00.000Z'],
    ['2026-12-11T18:00:00+01', '2026-12-11T17:00:00.000Z'],
    ['2026-12-11T18:00:00+0100', '2026-12-11T17:00:00.000Z'],
    ['2026-12-11 18:00:00 +01:00', '2026-12-11T17:00:00.000Z'],
    ['2027-01-15 12:00:00Z', '2027-01-15T12:00:00.000Z'],
    ['2026-12-11T17:00:00.123456789Z', '2026-12-11T17:00:00.123Z'],
    // As it was read when it was accepted: rolled over to 2 March.
    ['2026-02-30T08:00:00Z', '2026-03-02T08:00:00.000Z'],
  ])('reads %s as the instant it names, %s', (text, canonical) => {
    expect(read(text)).toBe(canonical)
  })

  it.each(['', 'tomorrow', '2026-12-11', '2026-12-11T18:00+01:00', '2026-12-11T18:00:00+1'])(
    'refuses %j, which no version accepted',
    (text) => {
      expect(read(text)).toBe('refused')
    },
  )
})
