import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startUpstashBridge } from '../../tools/upstash-bridge/server.ts'
import { TEST_REDIS_URL, deleteKeys, uniquePrefix } from '../testing/redis.ts'
import type { ReadRequest } from './bus.ts'
import { busContract } from './bus-contract.ts'
import { createRedisBus } from './redis-bus.ts'
import { createUpstashBus } from './upstash-bus.ts'

describe('redis bus (ioredis over TCP)', () => {
  busContract(() => createRedisBus(TEST_REDIS_URL, 'bus-contract'))
})

describe('upstash bus (REST through the local bridge)', () => {
  const token = 'bus-test-token'
  let bridge: Awaited<ReturnType<typeof startUpstashBridge>>
  beforeAll(async () => {
    bridge = await startUpstashBridge({ redisUrl: TEST_REDIS_URL, port: 0, token })
  })
  afterAll(() => bridge.close())
  const createBus = () => createUpstashBus({ url: bridge.url, token })

  busContract(createBus)

  it('returns from readGroup at once however long blockMs is: REST cannot block, edge consumers poll', async () => {
    const prefix = uniquePrefix('upstash-bus')
    const request: ReadRequest = {
      group: 'workshop',
      consumer: 'c1',
      streams: [`${prefix}.customers`],
      from: '>',
      count: 10,
      blockMs: 10_000,
    }
    const bus = createBus()
    try {
      await bus.ensureGroup(`${prefix}.customers`, 'workshop')
      const started = Date.now()
      expect(await bus.readGroup(request)).toEqual([])
      expect(Date.now() - started).toBeLessThan(2_000)
    } finally {
      await bus.close()
      await deleteKeys(prefix)
    }
  })
})
