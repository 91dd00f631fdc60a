import { Redis } from 'ioredis'
import { afterAll, describe, expect, it, onTestFinished, vi } from 'vitest'
import { serviceStream } from '../../shared/bus/bus.ts'
import { systemClock, type Clock } from '../../shared/clock.ts'
import type { Envelope } from '../../shared/contracts/index.ts'
import { parseConfig } from '../../shared/host/config.ts'
import { startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { TEST_REDIS_URL } from '../../shared/testing/redis.ts'

// The clock service on the Node host, whose timer runs its tick: the days it announces reach the stream.
const redis = new Redis(TEST_REDIS_URL)
afterAll(() => redis.disconnect())

const amsterdam = parseConfig({ WORKSHOP_TZ: 'Europe/Amsterdam' }).settings
const announced = async (host: TestHost) =>
  ((await redis.xrange(serviceStream(host.config.streamPrefix, 'clock'), '-', '+')) as [string, string[]][])
    .map(([, fields]) => JSON.parse(fields[fields.indexOf('event') + 1]!) as Envelope)
    .map((event) => (event.data as { date: string }).date)

describe('the Node host running the clock', () => {
  it('announces the day at the next midnight in WORKSHOP_TZ: its timer fires then, not a minute later', async () => {
    // The system's time, moved so that midnight in Amsterdam (23:00Z in winter) comes 1.5 s after the start.
    const midnight = Date.parse('2031-03-09T23:00:00Z')
    const offset = midnight - 1_500 - systemClock.now().getTime()
    const clock: Clock = { now: () => new Date(systemClock.now().getTime() + offset) }
    const host = await startTestHost({ services: ['clock'], settings: amsterdam }, { clock })
    onTestFinished(host.cleanup)
    expect(await announced(host)).toEqual([])

    await vi.waitFor(async () => expect(await announced(host)).toEqual(['2031-03-09']), {
      timeout: 4_000,
      interval: 50,
    })
    expect(clock.now().getTime()).toBeLessThan(midnight + 2_000)
  })

  it('notices a clock moved past midnight at its next tick (maxTickDelayMs), and announces each day once', async () => {
    let time = Date.parse('2031-03-09T12:00:00Z')
    const clock: Clock = { now: () => new Date(time) }
    const host = await startTestHost(
      { services: ['clock'], settings: amsterdam },
      { clock, maxTickDelayMs: 50 },
    )
    onTestFinished(host.cleanup)

    time = Date.parse('2031-03-11T23:00:00Z')

    await vi.waitFor(
      async () => expect(await announced(host)).toEqual(['2031-03-09', '2031-03-10', '2031-03-11']),
      {
        timeout: 4_000,
        interval: 50,
      },
    )
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(await announced(host)).toEqual(['2031-03-09', '2031-03-10', '2031-03-11'])
  })
})
