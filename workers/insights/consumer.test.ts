import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Envelope } from '../../shared/contracts/index.ts'
import { startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { INSIGHTS_GROUP } from './consumer.ts'
import {
  approved,
  expired,
  finished,
  planned,
  producers,
  read,
  rejected,
  requested,
  testClock,
  type Producers,
} from './testing.ts'

// The consumer group through a real host: events published to the streams as their services' relays
// would, each at a time the test sets, and the figures asked for over HTTP.

let host: TestHost
let streams: Producers
const clock = testClock('2026-12-01T08:00:00.000Z')
beforeAll(async () => {
  host = await startTestHost({ services: ['insights'] }, { clock })
  streams = await producers(host, clock)
})
afterAll(async () => {
  await streams?.close()
  await host?.cleanup()
})

type Producer = Producers['workshop'] | Producers['repairs'] | Producers['notifications']

/** Publishes `event` on `producer`'s stream as happening at `time`. */
async function on(time: string, producer: Producer, event: unknown): Promise<Envelope[]> {
  clock.set(time)
  return (producer.publish as (...events: unknown[]) => Promise<Envelope[]>)(event)
}

/** Waits until the group has applied everything on the streams named (each has had an event). */
const consumed = (...names: (keyof Omit<Producers, 'close'>)[]) =>
  Promise.all(names.map((name) => streams[name].consumedBy(host.db('insights'), INSIGHTS_GROUP)))

async function summaryOf(day: string) {
  const response = await host.get(`/api/insights/summary?from=${day}&to=${day}`)
  expect(response.status).toBe(200)
  return (await response.json()) as Record<string, unknown>
}

describe('the insights consumer', () => {
  it('times approvals from the request to the answer, and reactions to the first read of the request', async () => {
    const day = '2026-12-01'
    const t = (time: string) => `${day}T${time}:00.000Z`
    // Asked at 09:00, read at 09:02, approved at 09:10.
    await on(t('09:00'), streams.repairs, requested('r-1', 'p-1'))
    await on(t('09:02'), streams.notifications, read('r-1', 'p-1'))
    await on(t('09:05'), streams.notifications, read('r-1', 'p-1'))
    await on(t('09:10'), streams.repairs, approved('r-1', 'p-1'))
    // Asked at 10:00, read at 10:30, rejected at 11:00.
    await on(t('10:00'), streams.repairs, requested('r-2', 'p-2'))
    await on(t('10:30'), streams.notifications, read('r-2', 'p-2'))
    await on(t('11:00'), streams.repairs, rejected('r-2', 'p-2'))
    // Asked at 12:00, never read, expired at 18:00: no answer, so no approval time.
    await on(t('12:00'), streams.repairs, requested('r-3', 'p-3'))
    await on(t('18:00'), streams.repairs, expired('r-3', 'p-3'))
    // The mechanic reading of the expiry is no reaction of the customer's.
    await on(t('18:05'), streams.notifications, read('r-3', 'p-3', 'approval-expired'))
    await consumed('repairs', 'notifications')

    expect((await summaryOf(day)).approvals).toEqual({
      requested: 3,
      approved: 1,
      rejected: 1,
      expired: 1,
      approvalRate: 0.3333,
      // Answers after 600 s and 3,600 s; nearest rank: p50 is the first, p90 the second.
      approvalTimeSeconds: { p50: 600, p90: 3600 },
      // First reads after 120 s and 1,800 s; the second read of p-1 changes nothing.
      reactionTimeSeconds: { p50: 120, p90: 1800 },
    })
  })

  it('compares planned and actual job durations', async () => {
    const day = '2026-12-02'
    await on(`${day}T07:00:00.000Z`, streams.workshop, planned('j-1', day, '09:00', '10:00'))
    await on(`${day}T07:00:00.000Z`, streams.workshop, planned('j-2', day, '10:00', '12:00'))
    await on(`${day}T11:00:00.000Z`, streams.workshop, finished('j-1', day, '09:00', '10:20'))
    await consumed('workshop')

    expect((await summaryOf(day)).jobs).toEqual({
      planned: 2,
      finished: 1,
      averagePlannedMinutes: 60,
      averageActualMinutes: 80,
      bookedMinutes: 180,
      // The host's defaults: 3 workstations, 8 hours.
      capacityMinutes: 1440,
      utilisation: 0.125,
    })
  })

  /**
   * One day's events: two approvals, answered and read, and two jobs, one finished. `shuffled` publishes
   * them out of order across and within the streams (a read before its request, answers before their
   * requests, a finish before its plan), then every one of them once more.
   */
  async function aDayOf(day: string, shuffled: boolean) {
    const t = (time: string) => `${day}T${time}:00.000Z`
    const [a, b] = [`p-a-${day}`, `p-b-${day}`]
    const events: [string, Producer, unknown][] = [
      [t('08:00'), streams.workshop, planned(`j-a-${day}`, day, '09:00', '11:00')],
      [t('08:00'), streams.workshop, planned(`j-b-${day}`, day, '13:00', '14:00')],
      [t('09:00'), streams.repairs, requested(`r-a`, a)],
      [t('09:15'), streams.notifications, read(`r-a`, a)],
      [t('09:45'), streams.repairs, approved(`r-a`, a)],
      [t('10:00'), streams.repairs, requested(`r-b`, b)],
      [t('10:05'), streams.notifications, read(`r-b`, b)],
      [t('12:00'), streams.repairs, rejected(`r-b`, b)],
      [t('11:30'), streams.workshop, finished(`j-a-${day}`, day, '09:00', '11:30')],
    ]
    const order = shuffled ? [8, 6, 3, 7, 4, 5, 2, 1, 0] : events.map((_, i) => i)
    const published: [Producer, Envelope[]][] = []
    for (const i of order) {
      const [time, producer, event] = events[i]!
      published.push([producer, await on(time, producer, event)])
    }
    if (shuffled)
      for (const [producer, envelopes] of published.reverse()) await producer.publishAgain(envelopes)
    await consumed('workshop', 'repairs', 'notifications')
    const { from: _, to: __, ...figures } = await summaryOf(day)
    return figures
  }

  it('gives the same figures whatever order the events arrive in, and however often', async () => {
    const inOrder = await aDayOf('2026-12-03', false)
    const outOfOrder = await aDayOf('2026-12-04', true)

    expect(outOfOrder).toEqual(inOrder)
    expect(inOrder).toMatchObject({
      approvals: {
        requested: 2,
        approved: 1,
        rejected: 1,
        approvalTimeSeconds: { p50: 2700, p90: 7200 },
        reactionTimeSeconds: { p50: 300, p90: 900 },
      },
      jobs: { planned: 2, finished: 1, averagePlannedMinutes: 120, averageActualMinutes: 150 },
    })
  })
})
