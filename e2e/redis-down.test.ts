import { readFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import { describe, expect, it, vi } from 'vitest'
import { createRedisBus } from '../shared/bus/redis-bus.ts'
import { startPrivateRedis, uniquePrefix } from '../shared/testing/redis.ts'
import { startNodeHost } from './node-host.ts'

type Host = Awaited<ReturnType<typeof startNodeHost>>

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Whether a process runs (or is stopped); a zombie has exited and only waits to be reaped. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

/** The pid of the redis-server answering at `url`, as it reports it itself. */
async function redisPid(url: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on('error', () => {})
  try {
    return Number(/process_id:(\d+)/.exec(await redis.info('server'))![1])
  } finally {
    redis.disconnect()
  }
}

/** The exit code, or `'still running'` when the host has not exited `ms` after the signal. */
const signalWithin = (host: Host, signal: NodeJS.Signals, ms: number) =>
  Promise.race([host.signal(signal), sleep(ms).then(() => 'still running' as const)])

/** How a promise ended and after how long, or `'pending'` when it has not within `ms`. */
async function settles(promise: Promise<unknown>, ms: number) {
  const startedAt = Date.now()
  const outcome = await Promise.race([
    promise.then(
      () => 'resolved',
      () => 'rejected',
    ),
    sleep(ms).then(() => 'pending'),
  ])
  return { outcome, ms: Date.now() - startedAt }
}

/** `/health` once, as the manager (who learns what fails), with how long it took to answer. */
async function timedHealth(host: { url: string; authorization(): string }) {
  const startedAt = Date.now()
  const res = await fetch(`${host.url}/health`, {
    headers: { authorization: host.authorization() },
    signal: AbortSignal.timeout(5_000),
  })
  const body = (await res.json()) as { status: string; redis: string }
  return { status: res.status, body, ms: Date.now() - startedAt }
}

describe('the Node host while Redis is down', () => {
  it('answers /health with 503 naming Redis within a second, and exits 0 on SIGTERM within the shutdown timeout', async () => {
    const redis = await startPrivateRedis()
    const shutdownTimeoutMs = 10_000
    const host = await startNodeHost({
      REDIS_URL: redis.url,
      SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
    })
    try {
      await redis.stop() // SIGKILL: nothing answers on its port any more
      // Asked again and again for a while: at any point of the client's reconnection attempts.
      for (const until = Date.now() + 8_000; Date.now() < until; await sleep(250)) {
        const health = await timedHealth(host)
        expect(health.status).toBe(503)
        expect(health.body.redis).toMatch(/^unreachable/)
        expect(health.ms).toBeLessThanOrEqual(1_000)
      }

      expect(await signalWithin(host, 'SIGTERM', shutdownTimeoutMs)).toBe(0)
    } finally {
      await host.cleanup()
      await redis.stop()
    }
  }, 60_000)

  it('exits 0 on SIGTERM well within the shutdown timeout while Redis accepts connections but answers nothing', async () => {
    const redis = await startPrivateRedis()
    const host = await startNodeHost({ REDIS_URL: redis.url })
    const pid = await redisPid(redis.url)
    try {
      process.kill(pid, 'SIGSTOP')
      // Nothing can be acknowledged or published: the host does not wait for Redis to time out.
      expect(await signalWithin(host, 'SIGTERM', 4_000)).toBe(0)
    } finally {
      process.kill(pid, 'SIGCONT')
      await host.cleanup()
      await redis.stop()
    }
  }, 60_000)

  it('stops the redis-server it started, even when that server no longer answers and shutdown runs out of time', async () => {
    const redis = await startPrivateRedis()
    await redis.stop() // a free port where nothing answers: the host starts its own redis-server there
    const shutdownTimeoutMs = 2_000
    const host = await startNodeHost({
      REDIS_URL: redis.url,
      SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
    })
    let pid: number | undefined
    try {
      pid = await redisPid(redis.url)
      expect(alive(pid)).toBe(true)
      process.kill(pid, 'SIGSTOP') // accepts connections, answers nothing

      const health = await timedHealth(host)
      expect(health.status).toBe(503)
      expect(health.body.redis).toMatch(/^unreachable/)
      expect(health.ms).toBeLessThanOrEqual(1_000)

      expect([0, 1]).toContain(await signalWithin(host, 'SIGTERM', shutdownTimeoutMs + 1_000))
      await vi.waitFor(() => expect(alive(pid!)).toBe(false), { timeout: 1_000, interval: 20 })
    } finally {
      await host.cleanup()
      if (pid !== undefined && alive(pid)) {
        process.kill(pid, 'SIGCONT')
        process.kill(pid, 'SIGKILL')
      }
    }
  }, 60_000)
})

describe('the Redis bus while Redis is down', () => {
  it('fails a command queued while it reconnects within about a second, however long Redis has been gone', async () => {
    const redis = await startPrivateRedis()
    const bus = createRedisBus(redis.url, 'redis-down-test')
    try {
      await bus.ping()
      await redis.stop()
      // Again and again for a while: at any point of its reconnection attempts, however far apart.
      for (const until = Date.now() + 8_000; Date.now() < until; await sleep(100)) {
        const ping = await settles(bus.ping(), 10_000)
        expect(ping.outcome).toBe('rejected')
        expect(ping.ms).toBeLessThan(1_500)
      }
    } finally {
      await bus.close()
      await redis.stop()
    }
  }, 30_000)

  it('settles a read queued while it reconnects when it is closed', async () => {
    const redis = await startPrivateRedis()
    const bus = createRedisBus(redis.url, 'redis-down-test')
    const stream = `${uniquePrefix('redis-down')}.customers`
    try {
      await bus.ensureGroup(stream, 'g')
      await redis.stop()
      await sleep(200) // reconnecting
      const read = bus.readGroup({
        group: 'g',
        consumer: 'c',
        streams: [stream],
        from: '>',
        count: 10,
        blockMs: 100,
      })
      await bus.close() // what a consumer's stop() does to end its read
      expect((await settles(read, 8_000)).outcome).not.toBe('pending')
    } finally {
      await redis.stop()
    }
  }, 30_000)

  it('fails a command on a connection that never blocks within commandTimeoutMs when Redis stops answering', async () => {
    const redis = await startPrivateRedis()
    const bus = createRedisBus(redis.url, 'redis-down-test', { commandTimeoutMs: 1_000 })
    const pid = await redisPid(redis.url)
    try {
      await bus.ping()
      process.kill(pid, 'SIGSTOP')
      const lastSeq = await settles(bus.lastSeq(`${uniquePrefix('redis-down')}.customers`), 5_000)
      expect(lastSeq.outcome).toBe('rejected')
      expect(lastSeq.ms).toBeLessThan(1_500)
    } finally {
      process.kill(pid, 'SIGCONT')
      await bus.close()
      await redis.stop()
    }
  }, 30_000)

  it('ends a blocking read on a connection Redis stopped answering once its BLOCK time is over', async () => {
    const redis = await startPrivateRedis()
    const bus = createRedisBus(redis.url, 'redis-down-test')
    const stream = `${uniquePrefix('redis-down')}.customers`
    const pid = await redisPid(redis.url)
    try {
      await bus.ensureGroup(stream, 'g')
      process.kill(pid, 'SIGSTOP')
      const read = bus.readGroup({
        group: 'g',
        consumer: 'c',
        streams: [stream],
        from: '>',
        count: 10,
        blockMs: 1_000,
      })
      const outcome = await settles(read, 5_000)
      expect(outcome.outcome).toBe('resolved')
      expect(await read).toEqual([])
    } finally {
      process.kill(pid, 'SIGCONT')
      await bus.close()
      await redis.stop()
    }
  }, 30_000)
})
