import { describe, expect, it } from 'vitest'
import { InvalidInput } from '../../shared/errors.ts'
import { LAST_DAY, rangeOf } from './range.ts'

const today = '2026-12-15'
const refusal = (query: { from?: string; to?: string }) => {
  try {
    rangeOf(query, today)
  } catch (error) {
    if (error instanceof InvalidInput) return error.issues
    throw error
  }
  throw new Error('was not refused')
}

describe('the range of days asked about', () => {
  it('is the last 30 days up to today when none is asked for', () => {
    expect(rangeOf({}, today)).toEqual({ from: '2026-11-16', to: '2026-12-15' })
  })

  it('runs to today from the day asked, or the 30 days up to the day asked', () => {
    expect(rangeOf({ from: '2026-12-01' }, today)).toEqual({ from: '2026-12-01', to: today })
    expect(rangeOf({ to: '2026-03-01' }, today)).toEqual({ from: '2026-01-31', to: '2026-03-01' })
  })

  it('may be a single day', () => {
    expect(rangeOf({ from: '2026-12-07', to: '2026-12-07' }, today)).toEqual({
      from: '2026-12-07',
      to: '2026-12-07',
    })
  })

  it('refuses to before from, naming to', () => {
    expect(refusal({ from: '2026-12-08', to: '2026-12-07' })).toEqual([
      { field: '/query/to', message: 'must not be before from' },
    ])
  })

  it('refuses from after today when to is not given, naming from', () => {
    expect(refusal({ from: '2026-12-16' })[0]).toMatchObject({ field: '/query/from' })
  })

  it('takes 366 days, both included, and refuses 367', () => {
    expect(rangeOf({ from: '2025-12-15', to: '2026-12-15' }, today)).toEqual({
      from: '2025-12-15',
      to: '2026-12-15',
    })
    expect(refusal({ from: '2025-12-14', to: '2026-12-15' })).toEqual([
      { field: '/query/to', message: 'must be at most 366 days from from, both included' },
    ])
  })

  it('ends at the last day whose end is a time, and refuses the day after', () => {
    expect(rangeOf({ from: LAST_DAY, to: LAST_DAY }, today)).toEqual({ from: LAST_DAY, to: LAST_DAY })
    expect(refusal({ from: '9999-12-31', to: '9999-12-31' })).toEqual([
      { field: '/query/to', message: `must be ${LAST_DAY} or earlier` },
    ])
  })

  it('starts no earlier than 1900 when only to is given', () => {
    expect(rangeOf({ to: '1900-01-10' }, today)).toEqual({ from: '1900-01-01', to: '1900-01-10' })
    expect(rangeOf({ to: '1900-01-30' }, today)).toEqual({ from: '1900-01-01', to: '1900-01-30' })
    expect(rangeOf({ to: '1900-01-31' }, today)).toEqual({ from: '1900-01-02', to: '1900-01-31' })
  })
})
