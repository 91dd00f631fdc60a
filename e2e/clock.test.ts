import { Redis } from 'ioredis'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, onTestFinished, vi } from 'vitest'
import { serviceStream } from '../shared/bus/bus.ts'
import type { Envelope } from '../shared/contracts/index.ts'
import { sampleCustomer } from '../shared/host/node/test-host.ts'
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../shared/testing/redis.ts'
import { startNodeHost } from './node-host.ts'

// Node hosts as separate processes (SERVICES subsets) on one data directory and stream prefix, their
// time standing still (CLOCK=manual): only Redis tells one process's clock what another's was moved to.
const redis = new Redis(TEST_REDIS_URL)
afterAll(() => redis.disconnect())

/** Hosts running `services` each, sharing a data directory and stream prefix of the test's own. */
async function deployment() {
  const dataDir = await mkdtemp(join(tmpdir(), 'pitstop-e2e-clock-'))
  const prefix = uniquePrefix('e2e-clock')
  const hosts: Awaited<ReturnType<typeof startNodeHost>>[] = []
  onTestFinished(async () => {
    await Promise.all(hosts.map((h) => h.cleanup()))
    await deleteKeys(prefix)
    await rm(dataDir, { recursive: true, force: true })
  })
  return {
    events: async (service: string) =>
      ((await redis.xrange(serviceStream(prefix, service), '-', '+')) as [string, string[]][]).map(
        ([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]!) as Envelope,
      ),
    async host(services: string) {
      const env = { CLOCK: 'manual', DATA_DIR: dataDir, STREAM_PREFIX: prefix, SERVICES: services }
      const started = await startNodeHost(env)
      hosts.push(started)
      return started
    },
  }
}
const day = 24 * 60 * 60 * 1000
const later = (time: string, ms: number) => new Date(Date.parse(time) + ms).toISOString()
const now = async (host: { get(path: string): Promise<Response> }) =>
  ((await (await host.get('/api/clock')).json()) as { now: string }).now

describe('a manual clock across Node host processes', () => {
  it('reaches the services of another process through Redis, before their next request', async () => {
    const { host, events } = await deployment()
    const [clock, customers] = await Promise.all([host('clock'), host('customers')])
    const to = later(await now(clock), 3 * day)

    expect((await clock.post('/api/clock/advance', { to })).status).toBe(200)
    expect((await customers.post('/api/customers', sampleCustomer('e2e-clock-1'))).status).toBe(201)

    await vi.waitFor(
      async () =>
        expect((await events('customers')).find((e) => e.stream === 'e2e-clock-1')?.occurredAt).toBe(to),
      { timeout: 5_000, interval: 50 },
    )
  }, 60_000)

  it('is announced once per day by two processes running the clock on one database, advanced at once', async () => {
    const { host, events } = await deployment()
    const [one, other] = await Promise.all([host('clock'), host('clock')])
    const start = await now(one)

    for (const to of [later(start, 2 * day), later(start, 2.5 * day), later(start, 5 * day)]) {
      const answers = await Promise.all([one, other].map((h) => h.post('/api/clock/advance', { to })))
      expect(answers.map((a) => a.status)).toEqual([200, 200])
    }

    // WORKSHOP_TZ is UTC: the five days from the one the clock started on.
    const expected = [0, 1, 2, 3, 4].map((n) => later(start, n * day).slice(0, 10))
    await vi.waitFor(
      async () =>
        expect((await events('clock')).map((e) => (e.data as { date: string }).date)).toEqual(expected),
      { timeout: 5_000, interval: 50 },
    )
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await events('clock')).toHaveLength(expected.length)
  }, 60_000)
})
