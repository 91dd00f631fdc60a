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
