import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { createRedisBus } from '../bus/redis-bus.ts'
import { createLogger } from '../logger.ts'
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../testing/redis.ts'
import { RevocationList, revokedSessionsKey } from './revocations.ts'

const prefix = uniquePrefix('revocations')
const bus = createRedisBus(TEST_REDIS_URL, 'test-revocations')
const redis = new Redis(TEST_REDIS_URL)
afterAll(async () => {
  await deleteKeys(prefix)
  await bus.close()
  redis.disconnect()
})

const at = (iso: string) => new Date(iso)
const clock = { now: () => at('2026-12-01T12:00:00.000Z') }
const list = (key: string) =>
  new RevocationList({ bus, key, clock, logger: createLogger('silent'), refreshMs: 0 })

describe('RevocationList.restore', () => {
  it('lists again, in Redis and here, the unexpired sessions Redis has lost, and says how many', async () => {
    const key = revokedSessionsKey(`${prefix}.a`)
    const revocations = list(key)
    await revocations.add('kept', at('2026-12-01T13:00:00.000Z'))
    const ended = [
      { session: 'kept', expiresAt: at('2026-12-01T13:00:00.000Z') },
      { session: 'lost', expiresAt: at('2026-12-01T14:00:00.000Z') },
      { session: 'expired', expiresAt: at('2026-12-01T12:00:00.000Z') },
    ]
    expect(await revocations.restore(ended)).toBe(1)
    expect(await redis.zrange(key, '0', '-1', 'WITHSCORES')).toEqual([
      'kept',
      String(Date.parse('2026-12-01T13:00:00.000Z')),
      'lost',
      String(Date.parse('2026-12-01T14:00:00.000Z')),
    ])
    expect(await revocations.has('lost')).toBe(true)
    expect(await revocations.restore(ended)).toBe(0)
  })

  it('writes everything back when the whole set is gone', async () => {
    const key = revokedSessionsKey(`${prefix}.b`)
    const ended = ['s1', 's2', 's3'].map((session) => ({
      session,
      expiresAt: at('2026-12-02T00:00:00.000Z'),
    }))
    expect(await list(key).restore(ended)).toBe(3)
    expect(await redis.zcard(key)).toBe(3)
    // Another process, with a copy of its own, sees them.
    expect(await list(key).has('s2')).toBe(true)
  })
})

describe('RevocationList refreshing its copy', () => {
  it('reads the list again only when a session was added since its last read, and then sees all', async () => {
    const key = revokedSessionsKey(`${prefix}.c`)
    const here = list(key)
    const elsewhere = list(key)
    await elsewhere.add('first', at('2026-12-01T13:00:00.000Z'))
    expect(await here.has('first')).toBe(true)

    // Written behind the list's back: the version is unchanged, so the copy is not read again.
    await redis.zadd(key, Date.parse('2026-12-01T13:00:00.000Z'), 'unannounced')
    expect(await here.has('unannounced')).toBe(false)

    await elsewhere.add('second', at('2026-12-01T13:00:00.000Z'))
    expect(await here.has('second')).toBe(true)
    expect(await here.has('unannounced')).toBe(true)
  })

  it('reads the list again after Redis lost its version, and keeps what it knew', async () => {
    const key = revokedSessionsKey(`${prefix}.d`)
    const here = list(key)
    await list(key).add('known', at('2026-12-01T13:00:00.000Z'))
    expect(await here.has('known')).toBe(true)
    await redis.del(key, `${key}.version`)
    expect(await here.has('known')).toBe(true)
    await redis.zadd(key, Date.parse('2026-12-01T13:00:00.000Z'), 'after-the-loss')
    expect(await here.has('after-the-loss')).toBe(true)
  })
})
