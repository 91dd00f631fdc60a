import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { labourCents, priceOf } from './price.ts'
import { policyOf, RepairsSettings } from './settings.ts'

const lot = (partNumber: string, quantity: number, unitPriceCents: number, lotId = 'lot-1') => ({
  partNumber,
  lotId,
  quantity,
  unitPriceCents,
})

describe('the labour', () => {
  it.each([
    // hours, rate in cents, amount in cents
    [1, 1850, 1850],
    [1.5, 1850, 2775],
    [0.01, 1850, 19], // 18.5 cents: half rounds up
    [0.03, 1850, 56], // 55.5 cents
    [0.01, 1849, 18], // 18.49 cents: down
    [0.01, 1851, 19], // 18.51 cents: up
    [1.15, 1850, 2128], // 21.275: 1.15 is 114.999… hundredths in floating point, counted as 115
    [1000, 999_999_999, 999_999_999_000],
  ])('of %s hours at %s cents an hour is %s cents', (hours, rate, amount) => {
    expect(labourCents(hours, rate)).toBe(amount)
  })
})

describe('a price', () => {
  it('has one line per part number, its quantity over the lots it came from, at its unit price, and the total', () => {
    const price = priceOf(2, 1850, [
      lot('BP-1044', 1, 1250, 'a'),
      lot('OF-7', 3, 399),
      lot('BP-1044', 2, 1250, 'b'),
    ])
    expect(price).toEqual({
      labour: { hours: 2, hourlyRateCents: 1850, amountCents: 3700 },
      parts: [
        { partNumber: 'BP-1044', quantity: 3, unitPriceCents: 1250, amountCents: 3750 },
        { partNumber: 'OF-7', quantity: 3, unitPriceCents: 399, amountCents: 1197 },
      ],
      totalCents: 8647,
    })
  })
  it('is the labour alone when no parts were reserved', () => {
    expect(priceOf(0.5, 1850, [])).toEqual({
      labour: { hours: 0.5, hourlyRateCents: 1850, amountCents: 925 },
      parts: [],
      totalCents: 925,
    })
  })
})

describe('the settings', () => {
  const parse = (env: Record<string, string>) => v.safeParse(RepairsSettings, env)
  const policy = (env: Record<string, string>) => policyOf(v.parse(RepairsSettings, env))
  it('default to 18.50 an hour and 24 hours to answer', () => {
    expect(policy({})).toEqual({ hourlyRateCents: 1850, approvalTimeoutMs: 86_400_000 })
  })
  it('stay the strings given, so a host can pass them on as it parsed them', () => {
    const parsed = v.parse(RepairsSettings, { HOURLY_RATE: '18.5', APPROVAL_TIMEOUT: '90m' })
    expect(
      v.parse(RepairsSettings, {
        HOURLY_RATE: String(parsed.HOURLY_RATE),
        APPROVAL_TIMEOUT: String(parsed.APPROVAL_TIMEOUT),
      }),
    ).toEqual(parsed)
    expect(policyOf(parsed)).toEqual({ hourlyRateCents: 1850, approvalTimeoutMs: 5_400_000 })
  })
  it.each([
    ['24h', 86_400_000],
    ['90m', 5_400_000],
    ['30s', 30_000],
    ['720h', 2_592_000_000],
  ])('read APPROVAL_TIMEOUT %s as %s ms', (text, ms) => {
    expect(policy({ APPROVAL_TIMEOUT: text }).approvalTimeoutMs).toBe(ms)
  })
  it.each(['0s', '721h', '1.5h', '24', 'h', '24 h', '-1m', '1d'])('refuse APPROVAL_TIMEOUT %s', (text) => {
    expect(parse({ APPROVAL_TIMEOUT: text }).success).toBe(false)
  })
  it.each([
    ['18.50', 1850],
    ['7', 700],
    ['0.01', 1],
  ])('read HOURLY_RATE %s as %s cents', (text, cents) => {
    expect(policy({ HOURLY_RATE: text }).hourlyRateCents).toBe(cents)
  })
  it.each(['0', '18,50', '18.505', '-1', 'abc', ''])('refuse HOURLY_RATE %s', (text) => {
    expect(parse({ HOURLY_RATE: text }).success).toBe(false)
  })
})
