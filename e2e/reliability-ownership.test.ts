import { Redis } from 'ioredis'
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { deadLetterStream, serviceStream } from '../shared/bus/bus.ts'
import { TEST_REDIS_URL } from '../shared/testing/redis.ts'
import { sampleCustomer } from '../shared/host/node/test-host.ts'
import { expectAllInWorkshop, workshopCustomers, type Host } from './burst.ts'
import { startNodeHost } from './node-host.ts'

const redis = new Redis(TEST_REDIS_URL)
afterAll(() => redis.disconnect())

async function register(host: Host, ids: string[]) {
  for (const id of ids) expect((await host.post('/api/customers', sampleCustomer(id))).status).toBe(201)
}

async function health(host: Host) {
  const res = await host.get('/health')
  const body = (await res.json()) as { services: Record<string, { problems: string[] }> }
  return { status: res.status, problems: Object.values(body.services).flatMap((s) => s.problems) }
}

/** Copies a service's database files (the file, and its WAL when there is one) between directories. */
async function copyDatabase(service: string, from: string, to: string) {
  for (const file of await readdir(to)) if (file.startsWith(`${service}.db`)) await rm(join(to, file))
  for (const file of await readdir(from))
    if (file.startsWith(`${service}.db`)) await copyFile(join(from, file), join(to, file))
}

const ids = (prefix: string, n = 5) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`)

describe('a database restored from a backup', () => {
  it('publishes what the restored producer commits, and the restored consumer applies again what it lost', async () => {
    const host = await startNodeHost()
    const backup = await mkdtemp(join(tmpdir(), 'pitstop-backup-'))
    try {
      await register(host, ids('a'))
      await expectAllInWorkshop(host, ids('a'))
      expect(await host.signal('SIGTERM')).toBe(0)
      for (const service of ['customers', 'workshop']) await copyDatabase(service, host.dataDir, backup)

      await host.restart()
      await register(host, ids('b'))
      await expectAllInWorkshop(host, [...ids('a'), ...ids('b')])
      expect(await host.signal('SIGTERM')).toBe(0)
      // Both databases go back to before the b's: the customers' outbox and the workshop's inbox lose them.
      for (const service of ['customers', 'workshop']) await copyDatabase(service, backup, host.dataDir)

      await host.restart()
      await register(host, ids('c'))
      // The stream still had the b's: the workshop applies them again; the c's come after them.
      await expectAllInWorkshop(host, [...ids('a'), ...ids('b'), ...ids('c')])
      const stored = (await (await host.get('/api/customers?limit=100')).json()) as { customerId: string }[]
      expect(new Set(stored.map((c) => c.customerId))).toEqual(new Set([...ids('a'), ...ids('c')]))
      expect((await health(host)).status).toBe(200)
    } finally {
      await host.cleanup()
      await rm(backup, { recursive: true, force: true })
    }
  }, 90_000)
})

describe('entries another writer put in a stream', () => {
  it('a stray XADD stops publishing loudly (error log, /health 503 naming the stream); deleting the stream resumes it', async () => {
    const host = await startNodeHost()
    try {
      const stream = serviceStream(host.streamPrefix, 'customers')
      await register(host, ['before'])
      await expectAllInWorkshop(host, ['before'])
      await redis.xadd(stream, '*', 'note', 'written by hand')
      await register(host, ['after'])

      await vi.waitFor(
        async () => {
          const { status, problems } = await health(host)
          expect(status).toBe(503)
          expect(problems.join('\n')).toMatch(
            new RegExp(`foreign-entry: ${stream.replaceAll('.', '\\.')} ends in entry`),
          )
        },
        { timeout: 10_000 },
      )
      const report = (await (await host.get('/health')).json()) as {
        services: { customers: { unpublishedEvents: number } }
      }
      expect(report.services.customers.unpublishedEvents).toBeGreaterThan(0)
      // Asked while the consumers block in their reads, /health answers at once.
      const asked = Date.now()
      await host.get('/health')
      expect(Date.now() - asked).toBeLessThan(1_000)
      expect(host.output()).toMatch(/relay stopped publishing/)
      expect(host.output()).toContain(stream)
      expect(await workshopCustomers(host)).toEqual(new Set(['before']))

      // The operator's way out, as the error says: remove the stream (and the stray entry's dead letter).
      await redis.del(stream, deadLetterStream(stream))
      await expectAllInWorkshop(host, ['before', 'after'])
      await vi.waitFor(async () => expect((await health(host)).status).toBe(200), { timeout: 10_000 })
    } finally {
      await host.cleanup()
    }
  }, 60_000)

  it('a second deployment on the same prefix is refused loudly and the first goes on undisturbed', async () => {
    const first = await startNodeHost()
    const second = await startNodeHost({ STREAM_PREFIX: first.streamPrefix }, { healthy: false })
    try {
      await register(first, ['first-1'])
      await register(second, ['second-1'])
      const { status, problems } = await health(second)
      expect(status).toBe(503)
      expect(problems.join('\n')).toMatch(/another database|another-deployment/)
      expect(second.output()).toMatch(/consumer group not started|relay stopped publishing/)

      await register(first, ['first-2'])
      await expectAllInWorkshop(first, ['first-1', 'first-2'])
      expect((await health(first)).status).toBe(200)
    } finally {
      await second.cleanup()
      await first.cleanup()
    }
  }, 60_000)
})
