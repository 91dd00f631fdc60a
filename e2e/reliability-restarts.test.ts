import { Redis } from 'ioredis'
import { hostname } from 'node:os'
import { afterAll, describe, expect, it } from 'vitest'
import { serviceStream } from '../shared/bus/bus.ts'
import { TEST_REDIS_URL } from '../shared/testing/redis.ts'
import { burst, expectAllInWorkshop, type Host } from './burst.ts'
import { startNodeHost } from './node-host.ts'

const redis = new Redis(TEST_REDIS_URL)
afterAll(() => redis.disconnect())

const sources = ['customers', 'vehicles', 'workshop']

/** Per stream the workshop group reads: its pending entries and its consumers' names. */
async function workshopGroup(host: Host) {
  const report: Record<string, { pending: number; consumers: string[] }> = {}
  for (const source of sources) {
    const stream = serviceStream(host.streamPrefix, source)
    const [pending] = (await redis.xpending(stream, 'workshop')) as [number]
    const consumers = (await redis.xinfo('CONSUMERS', stream, 'workshop')) as string[][]
    report[source] = { pending: Number(pending), consumers: consumers.map((c) => c[1]!) }
  }
  return report
}

/** Registers until at least `count` customers are acknowledged by a burst that goes on meanwhile. */
async function burstUntil(host: Host, prefix: string, stopWhen: () => Promise<void>) {
  let stop = false
  const acknowledging = burst(host, prefix, () => stop)
  await stopWhen()
  stop = true
  return acknowledging
}

const untilCustomers = (host: Host, count: number) => async () => {
  for (;;) {
    const known = (await (await host.get('/api/customers?limit=1000')).json()) as []
    if (known.length >= count) return
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('restarts with default settings', () => {
  it('after kill -9 under load, a restart brings every acknowledged command into the read model within 5 s, under the same consumer name', async () => {
    const host = await startNodeHost()
    try {
      const acknowledged: string[] = []
      for (let round = 0; round < 2; round++) {
        let stop = false
        const acknowledging = burst(host, `k${round}`, () => stop)
        await untilCustomers(host, 60 * (round + 1))()
        await host.signal('SIGKILL')
        stop = true
        acknowledged.push(...(await acknowledging))

        await host.restart()
        const restarted = Date.now()
        const stored = (await (await host.get('/api/customers?limit=1000')).json()) as {
          customerId: string
        }[]
        for (const id of acknowledged) expect(stored.map((c) => c.customerId)).toContain(id)
        await expectAllInWorkshop(
          host,
          stored.map((c) => c.customerId),
          5_000,
        )
        expect(Date.now() - restarted).toBeLessThan(5_000)
      }
      // One name per host, taken again by each restart: no dead consumers pile up in the group.
      const group = await workshopGroup(host)
      for (const source of sources) expect(group[source]!.consumers.length, source).toBeLessThanOrEqual(1)
    } finally {
      await host.cleanup()
    }
  }, 120_000)

  it('after SIGTERM under load, no group has entries pending, round after round', async () => {
    const host = await startNodeHost()
    try {
      for (let round = 0; round < 3; round++) {
        let stop = false
        const acknowledging = burst(host, `t${round}`, () => stop)
        await untilCustomers(host, 40 * (round + 1))()
        expect(await host.signal('SIGTERM')).toBe(0)
        stop = true
        await acknowledging
        const group = await workshopGroup(host)
        for (const source of sources) expect(group[source]!.pending, `round ${round}, ${source}`).toBe(0)
        await host.restart()
      }
    } finally {
      await host.cleanup()
    }
  }, 120_000)

  it('two hosts running the same services never share a consumer name', async () => {
    const first = await startNodeHost()
    // One deployment: the same databases and streams, two processes.
    const second = await startNodeHost({ STREAM_PREFIX: first.streamPrefix, DATA_DIR: first.dataDir })
    try {
      await burstUntil(first, 'a', untilCustomers(first, 20))
      await burstUntil(second, 'b', untilCustomers(second, 20))
      const group = await workshopGroup(first)
      const names = new Set(sources.flatMap((s) => group[s]!.consumers))
      expect(names.size).toBe(2)
      expect([...names].sort()).toEqual([hostname(), `${hostname()}-2`])
    } finally {
      await second.cleanup()
      await first.cleanup()
    }
  }, 60_000)
})
