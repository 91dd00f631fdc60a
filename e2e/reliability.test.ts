import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { Redis } from 'ioredis'
import { startPrivateRedis, TEST_REDIS_URL, uniquePrefix } from '../shared/testing/redis.ts'
import { sampleCustomer } from '../shared/host/node/test-host.ts'
import { burst, expectAllInWorkshop } from './burst.ts'
import { startNodeHost } from './node-host.ts'

describe('graceful shutdown', () => {
  it('loses nothing acknowledged with 2xx when SIGTERM arrives during a burst of commands', async () => {
    const host = await startNodeHost()
    try {
      let stop = false
      const acknowledging = burst(host, 'term', () => stop)
      await vi.waitFor(async () =>
        expect(((await (await host.get('/api/customers?limit=1000')).json()) as []).length).toBeGreaterThan(
          50,
        ),
      )
      const exitCode = await host.signal('SIGTERM')
      stop = true
      const acknowledged = await acknowledging
      expect(exitCode).toBe(0)
      expect(acknowledged.length).toBeGreaterThan(50)

      await host.restart()
      for (const id of acknowledged) expect((await host.get(`/api/customers/${id}`)).status, id).toBe(200)
      const stored = (await (await host.get('/api/customers?limit=1000')).json()) as { customerId: string }[]
      await expectAllInWorkshop(
        host,
        stored.map((c) => c.customerId),
      )
    } finally {
      await host.cleanup()
    }
  }, 90_000)
})

describe('Redis losing its data', () => {
  it('republishes from the outbox after a flush during a burst: the read model ends complete, without duplicates', async () => {
    const redis = await startPrivateRedis()
    const host = await startNodeHost({ REDIS_URL: redis.url, CLAIM_IDLE_MS: '1000' })
    try {
      let sent = 0
      const before = await burst(host, 'before', () => sent++ >= 150, 8)
      const flushing = (async () => {
        await new Promise((r) => setTimeout(r, 50))
        await redis.flushAll()
      })()
      let more = 0
      const during = await burst(host, 'during', () => more++ >= 150, 8)
      await flushing
      await expectAllInWorkshop(host, [...before, ...during])
    } finally {
      await host.cleanup()
      await redis.stop()
    }
  }, 90_000)

  it('recovers from a Redis restart without persistence', async () => {
    const redis = await startPrivateRedis()
    const host = await startNodeHost({ REDIS_URL: redis.url })
    try {
      let sent = 0
      const before = await burst(host, 'r1', () => sent++ >= 50, 4)
      await redis.restart()
      let more = 0
      const after = await burst(host, 'r2', () => more++ >= 50, 4)
      await expectAllInWorkshop(host, [...before, ...after])
    } finally {
      await host.cleanup()
      await redis.stop()
    }
  }, 90_000)
})

describe('starting without Redis', () => {
  it('starts a local append-only redis-server under DATA_DIR when none answers, and stops it on exit', async () => {
    const redis = await startPrivateRedis()
    await redis.stop() // a free port where nothing answers
    const host = await startNodeHost({ REDIS_URL: redis.url })
    try {
      expect((await host.post('/api/customers', sampleCustomer('own-redis'))).status).toBe(201)
      await expectAllInWorkshop(host, ['own-redis'])
      expect(existsSync(join(host.dataDir, 'appendonlydir'))).toBe(true)
      expect(await host.signal('SIGTERM')).toBe(0)
      expect(
        await fetch(`http://127.0.0.1:${new URL(redis.url).port}`).then(
          () => true,
          () => false,
        ),
      ).toBe(false)
    } finally {
      await host.cleanup()
    }
  }, 60_000)

  it('exits 1 with one clear line when its port is taken, before any database is opened or group joined', async () => {
    const taken = createServer().listen(0)
    await new Promise((resolve) => taken.once('listening', resolve))
    const { port } = taken.address() as { port: number }
    const streamPrefix = uniquePrefix('busy')
    try {
      const failed = await startNodeHost({ PORT: String(port), STREAM_PREFIX: streamPrefix }).then(
        () => '',
        (error: Error) => error.message,
      )
      expect(failed).toMatch(/host exited with 1/)
      expect(failed).toContain(`Port ${port} is already in use`)
      const redis = new Redis(TEST_REDIS_URL)
      expect(
        await redis.exists(`${streamPrefix}.customers`, `${streamPrefix}.customers.group.workshop`),
      ).toBe(0)
      redis.disconnect()
    } finally {
      taken.close()
    }
  }, 60_000)

  it('exits with a message saying how to install Redis when none answers and none is installed', async () => {
    const bin = await mkdtemp(join(tmpdir(), 'pitstop-path-'))
    await symlink(process.execPath, join(bin, 'node'))
    try {
      const redis = await startPrivateRedis()
      await redis.stop()
      const failed = await startNodeHost({ REDIS_URL: redis.url, PATH: bin }).then(
        () => '',
        (error: Error) => error.message,
      )
      expect(failed).toMatch(/host exited with 1/)
      expect(failed).toMatch(/No Redis answers at .*Install one/)
    } finally {
      await rm(bin, { recursive: true, force: true })
    }
  }, 60_000)
})
