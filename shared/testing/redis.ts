import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'

export const TEST_REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A stream prefix no other test uses, so test files can share one Redis. */
export const uniquePrefix = (name: string) => `test-${name}-${Math.random().toString(36).slice(2, 10)}`

/** Deletes every key under `prefix.` (streams, dead letters). */
export async function deleteKeys(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on('error', () => {})
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}.*`, 'COUNT', 1000)
      if (keys.length > 0) await redis.del(...keys)
      cursor = next
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

/**
 * A redis-server of the test's own, without persistence, for faults that would disturb other tests:
 * FLUSHALL, or a restart that loses everything.
 */
export async function startPrivateRedis() {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let child: ChildProcess | undefined
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    )
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
    probe.on('error', () => {})
    for (let i = 0; i < 100; i++) {
      try {
        await probe.connect()
        await probe.ping()
        probe.disconnect()
        return
      } catch {
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    throw new Error(`redis-server did not start on port ${port}`)
  }
  const stop = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((r) => child!.once('exit', r))
    child.kill('SIGKILL')
    await exited
  }
  await start()
  return {
    url,
    async flushAll() {
      const redis = new Redis(url)
      await redis.flushall()
      redis.disconnect()
    },
    /** Kills the server and starts an empty one on the same port: a restart without persistence. */
    async restart() {
      await stop()
      await start()
    },
    stop,
  }
}
