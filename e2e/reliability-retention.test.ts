import { Redis } from 'ioredis'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { serviceStream } from '../shared/bus/bus.ts'
import { TEST_REDIS_URL } from '../shared/testing/redis.ts'
import { sampleCustomer } from '../shared/host/node/test-host.ts'
import { expectAllInWorkshop, workshopCustomers, type Host } from './burst.ts'
import { startNodeHost } from './node-host.ts'

const root = new URL('..', import.meta.url).pathname
const redis = new Redis(TEST_REDIS_URL)
afterAll(() => redis.disconnect())

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`)

async function register(host: Host, customerIds: string[]) {
  for (const id of customerIds)
    expect((await host.post('/api/customers', sampleCustomer(id))).status).toBe(201)
}

/** `npm run <command>` (catch-up, rebuild) with the environment a host of these data runs with. */
async function operator(command: 'catch-up' | 'rebuild', env: Record<string, string>) {
  const run = promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', 'shared/host/node/read-models.ts', command],
    { cwd: root, env: { ...process.env, REDIS_URL: TEST_REDIS_URL, LOG_LEVEL: 'warn', ...env } },
  )
  return run.then(
    (r) => ({ ...r, code: 0 }),
    (e: { stdout: string; stderr: string; code: number }) => e,
  )
}

describe('bounded streams', () => {
  it('keep what the group has not acknowledged plus STREAM_KEEP entries', async () => {
    const host = await startNodeHost({ STREAM_KEEP: '10' })
    try {
      await register(host, ids('c', 60))
      await expectAllInWorkshop(host, ids('c', 60))
      const stream = serviceStream(host.streamPrefix, 'customers')
      await vi.waitFor(async () => expect(await redis.xlen(stream)).toBe(10), { timeout: 10_000 })
      const [[first]] = (await redis.xrange(stream, '-', '+', 'COUNT', 1)) as unknown as [[string]]
      expect(first).toBe('51-0')
    } finally {
      await host.cleanup()
    }
  }, 60_000)

  it('a group that joins after trimming, without the producer database at hand, reports the gap; npm run catch-up fills it; npm run rebuild starts over from the whole history', async () => {
    // The customers service on its own data; the workshop, elsewhere, joins once the stream is trimmed.
    // Beside the services whose streams it reads (a rebuild needs the whole history of each).
    const consumerServices = 'vehicles,workshop,repairs,parts'
    const producer = await startNodeHost({ SERVICES: 'customers', STREAM_KEEP: '10' })
    let consumer: Host | undefined
    try {
      await register(producer, ids('early', 50))
      const stream = serviceStream(producer.streamPrefix, 'customers')
      await vi.waitFor(async () => expect(await redis.xlen(stream)).toBe(10), { timeout: 10_000 })

      consumer = await startNodeHost(
        { SERVICES: consumerServices, STREAM_PREFIX: producer.streamPrefix },
        { healthy: false },
      )
      await vi.waitFor(
        async () => {
          const res = await consumer!.get('/health')
          expect(res.status).toBe(503)
          expect(JSON.stringify(await res.json())).toContain(`never received ${stream} 1..40`)
        },
        { timeout: 10_000 },
      )
      expect(consumer.output()).toMatch(/entries missing from the stream/)
      expect(await workshopCustomers(consumer)).toEqual(new Set(ids('early', 50).slice(40)))

      const env = {
        DATA_DIR: consumer.dataDir,
        STREAM_PREFIX: producer.streamPrefix,
        SERVICES: consumerServices,
        LIBSQL_URL_CUSTOMERS: `file:${join(producer.dataDir, 'customers.db')}`,
      }
      const caughtUp = await operator('catch-up', env)
      expect(caughtUp.code).toBe(0)
      expect(caughtUp.stdout).toContain('"gapsFilled":1')
      await expectAllInWorkshop(consumer, ids('early', 50))
      await vi.waitFor(async () => expect((await consumer!.get('/health')).status).toBe(200), {
        timeout: 10_000,
      })

      const rebuilt = await operator('rebuild', env)
      expect(rebuilt.code).toBe(0)
      await register(producer, ['late'])
      await expectAllInWorkshop(consumer, [...ids('early', 50), 'late'])
    } finally {
      await consumer?.cleanup()
      await producer.cleanup()
    }
  }, 90_000)
})
