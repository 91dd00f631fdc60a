import { UUID } from 'uuidv7'
import { afterAll, describe, expect, it } from 'vitest'
import { createRedisBus } from './bus/redis-bus.ts'
import { ManualClock, manualTimeKey, newUuidV7, systemClock, type Clock } from './clock.ts'
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from './testing/redis.ts'

const at = (time: string) => new Date(time)

describe.each([
  ['the system clock', () => systemClock],
  ['a manual clock', () => new ManualClock(at('2026-12-01T10:00:00Z'))],
])('%s, as every clock', (_, make: () => Clock) => {
  it('gives a Date its caller may change without changing the clock', () => {
    const clock = make()
    const first = clock.now()
    first.setFullYear(1999)
    expect(clock.now().getFullYear()).toBeGreaterThan(2025)
  })

  it('never goes back from one call to the next', () => {
    const clock = make()
    const times = Array.from({ length: 1_000 }, () => clock.now().getTime())
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]!)
  })
})

describe('a manual clock on its own', () => {
  it('stands still at its start until it is advanced, then tells the new time', async () => {
    const clock = new ManualClock(at('2026-12-01T10:00:00Z'))
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(clock.now().toISOString()).toBe('2026-12-01T10:00:00.000Z')
    await clock.advanceTo(at('2026-12-03T00:00:00Z'))
    expect(clock.now().toISOString()).toBe('2026-12-03T00:00:00.000Z')
  })

  it('takes the first time it is given, even before its start, and never goes back after it', async () => {
    const clock = new ManualClock(at('2026-12-05T00:00:00Z'))
    await clock.advanceTo(at('2026-12-01T00:00:00Z'))
    expect(clock.now().toISOString()).toBe('2026-12-01T00:00:00.000Z')
    await clock.advanceTo(at('2026-11-30T00:00:00Z'))
    expect(clock.now().toISOString()).toBe('2026-12-01T00:00:00.000Z')
  })
})

describe('manual clocks sharing their time through Redis', () => {
  const prefix = uniquePrefix('manual-clock')
  const bus = createRedisBus(TEST_REDIS_URL, 'manual-clock-test')
  const shared = { bus, key: manualTimeKey(prefix) }
  afterAll(async () => {
    await bus.close()
    await deleteKeys(prefix)
  })

  it('keeps its own time while none is shared, then takes the one another clock was advanced to', async () => {
    const here = new ManualClock(at('2026-12-01T10:00:00Z'), shared)
    const elsewhere = new ManualClock(at('2026-12-01T10:00:05Z'), shared)
    await elsewhere.sync()
    expect(elsewhere.now().toISOString()).toBe('2026-12-01T10:00:05.000Z')

    await here.advanceTo(at('2026-12-02T08:00:00Z'))
    expect(elsewhere.now().toISOString()).toBe('2026-12-01T10:00:05.000Z')
    await elsewhere.sync()

    expect(elsewhere.now().toISOString()).toBe('2026-12-02T08:00:00.000Z')
    expect(await bus.getValue(manualTimeKey(prefix))).toBe('2026-12-02T08:00:00.000Z')
  })

  it('takes a shared time earlier than its start (the manual time stood still since), then only later ones', async () => {
    await bus.setValue(manualTimeKey(prefix), '2026-11-01T00:00:00.000Z')
    const late = new ManualClock(at('2026-12-09T00:00:00Z'), shared)
    await late.sync()
    expect(late.now().toISOString()).toBe('2026-11-01T00:00:00.000Z')
    await bus.setValue(manualTimeKey(prefix), '2026-10-01T00:00:00.000Z')
    await late.sync()
    expect(late.now().toISOString()).toBe('2026-11-01T00:00:00.000Z')
  })
})

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
