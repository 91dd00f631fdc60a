import { createClient } from '@libsql/client'
import { Redis } from 'ioredis'
import { join } from 'node:path'
import type { Synchronous } from '../shared/db/database.ts'

/** libSQL commits per second, one insert per transaction, with the pragmas the services use in `synchronous` mode. */
export async function libsqlCommitsPerSecond(
  dir: string,
  synchronous: Synchronous,
  commits = 5000,
): Promise<number> {
  const client = createClient({ url: `file:${join(dir, `raw-${synchronous}.db`)}` })
  await client.execute('PRAGMA journal_mode = WAL')
  await client.execute(`PRAGMA synchronous = ${synchronous.toUpperCase()}`)
  await client.execute('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)')
  const payload = 'x'.repeat(400)
  const started = performance.now()
  for (let i = 0; i < commits; i++)
    await client.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: [payload] })
  const seconds = (performance.now() - started) / 1000
  client.close()
  return commits / seconds
}

/** Messages per second through XADD, then XREADGROUP + XACK, pipelined over ioredis. */
export async function redisStreamMessagesPerSecond(
  url: string,
  key: string,
  messages = 50_000,
): Promise<number> {
  const redis = new Redis(url)
  const payload = 'x'.repeat(400)
  await redis.xgroup('CREATE', key, 'bench', '0', 'MKSTREAM')
  const started = performance.now()
  for (let sent = 0; sent < messages; sent += 1000) {
    const pipeline = redis.pipeline()
    for (let i = 0; i < 1000; i++) pipeline.xadd(key, '*', 'type', 'Bench', 'event', payload)
    await pipeline.exec()
  }
  for (let received = 0; received < messages;) {
    const reply = (await redis.xreadgroup('GROUP', 'bench', 'c1', 'COUNT', 1000, 'STREAMS', key, '>')) as
      [string, [string, string[]][]][] | null
    const ids = reply?.[0]?.[1].map(([id]) => id) ?? []
    if (ids.length > 0) await redis.xack(key, 'bench', ...ids)
    received += ids.length
  }
  const seconds = (performance.now() - started) / 1000
  await redis.del(key)
  redis.disconnect()
  return messages / seconds
}
