import { UUID } from 'uuidv7'
import { describe, expect, it } from 'vitest'
import { newUuidV7 } from './clock.ts'

describe('newUuidV7', () => {
  it('gives canonical UUIDv7s, lower-case with the version and variant bits set', () => {
    const id = newUuidV7()
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const parsed = UUID.parse(id)
    expect([parsed.getVersion(), parsed.getVariant(), parsed.toString()]).toEqual([7, 'VAR_10', id])
  })

  it('gives ids in strictly increasing order, many within one millisecond and across refills of randomness', () => {
    const ids = Array.from({ length: 20_000 }, newUuidV7)
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('carries the time it was made in its first 48 bits', () => {
    const before = Date.now()
    const id = newUuidV7()
    const after = Date.now()
    const millis = parseInt(id.replaceAll('-', '').slice(0, 12), 16)
    expect(millis).toBeGreaterThanOrEqual(before)
    expect(millis).toBeLessThanOrEqual(after)
  })

  it('draws fresh random bits: ids of one millisecond differ beyond their counter', () => {
    const ids = Array.from({ length: 1_000 }, newUuidV7)
    const tails = new Set(ids.map((id) => id.slice(-8)))
    expect(tails.size).toBeGreaterThan(990)
  })
})
