import { Redis } from 'ioredis'
import { hostname } from 'node:os'
import { clientIdsNamed } from '../../bus/redis-bus.ts'

export interface ConsumerName {
  name: string
  release(): void
}

/**
 * A consumer name for this process that no live process shares and that a restart of it takes again:
 * `<hostname>`, else `<hostname>-2`, `-3`… A Redis connection named after it holds the name while the
 * process lives. A process killed with -9 loses that connection at once, so its restart finds the name
 * free and drains at start what the dead process left pending, instead of waiting for it to be claimed.
 * When two processes start together, the older connection (lower client id) keeps the name.
 *
 * @example
 * const { name, release } = await holdConsumerName('redis://127.0.0.1:6379', 'pitstop')
 */
export async function holdConsumerName(redisUrl: string, prefix: string): Promise<ConsumerName> {
  const base = hostname().replace(/\s+/g, '-') || 'host'
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}-${i}`
    const label = `pitstop-consumer:${prefix}:${name}`
    const redis = new Redis(redisUrl, { connectionName: label, maxRetriesPerRequest: 3 })
    redis.on('error', () => {})
    try {
      const id = Number(await redis.call('CLIENT', 'ID'))
      const holders = await clientIdsNamed(redis, label)
      if (Math.min(...holders) === id) return { name, release: () => redis.disconnect() }
    } catch (error) {
      redis.disconnect()
      throw error
    }
    redis.disconnect()
  }
}
