import { count, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { uniquePrefix } from '../../shared/testing/redis.ts'
import { SUPPORT_GROUP } from './consumer.ts'
import { entries } from './schema.ts'
import {
  after,
  approvalRequested,
  approved,
  completed,
  expired,
  failed,
  MECHANIC,
  producers,
  proposed,
  read,
  rejected,
  repairStarted,
  sent,
  testClock,
  tick,
} from './testing.ts'

// The support consumer group on a real host, fed by producers that publish the repairs and
// notifications streams as those services' relays do; a clock of the test's own says how long a
// customer has been waiting.

const clock = testClock('2026-12-07T08:00:00.000Z')
let host: TestHost
let streams: Awaited<ReturnType<typeof producers>>
beforeAll(async () => {
  host = await startTestHost({ services: ['support'] }, { clock })
  streams = await producers(host.config.streamPrefix)
})
afterAll(async () => {
  await streams?.close()
  await host?.cleanup()
})

const consumed = async (on = host, from = streams) => {
  await from.repairs.consumedBy(on.db('support'), SUPPORT_GROUP)
  await from.notifications.consumedBy(on.db('support'), SUPPORT_GROUP)
}

interface Conversation {
  repairId: string
  customerId: string
  mechanic: string
  status: string
  waitingSince: string | null
  waitingSeconds: number | null
  waitingFor: { proposalId: string; expiresAt: string } | null
  entries: {
    eventId: string
    occurredAt: string
    kind: string
    who: string
    text: string
    details: Record<string, unknown>
    notificationId?: string
    readAt?: string | null
  }[]
}
const conversation = async (repairId: string, on = host) => {
  const response = await on.get(`/api/support/conversations/${repairId}`)
  expect(response.status).toBe(200)
  return (await response.json()) as Conversation
}
const list = async (status: string) =>
  (await (await host.get(`/api/support/conversations?status=${status}`)).json()) as Conversation[]

describe('a repair whose events arrive in order', () => {
  it('is one conversation: the proposal with its price, the answers with reasons, the expiry, the notifications and when each was read', async () => {
    const [start] = await streams.repairs.publish(repairStarted('cust-1', 'repair-1'))
    await streams.repairs.publish(proposed('repair-1', 'p-1'), approvalRequested('cust-1', 'repair-1', 'p-1'))
    await streams.notifications.publish(sent('n-1', 'cust-1', 'repair-1'))
    await streams.repairs.publish(rejected('repair-1', 'p-1', 'Too expensive for now'))
    await streams.repairs.publish(approvalRequested('cust-1', 'repair-1', 'p-2'))
    await streams.notifications.publish(sent('n-2', 'cust-1', 'repair-1'), read('n-1', 'cust-1', 'repair-1'))
    await streams.repairs.publish(
      expired('repair-1', 'p-2'),
      failed('repair-1', 'p-3'),
      completed('repair-1'),
    )
    await consumed()

    const found = await conversation('repair-1')
    expect(found).toMatchObject({ repairId: 'repair-1', customerId: 'cust-1', mechanic: MECHANIC })
    expect(found.entries.map((e) => [e.who, e.kind])).toEqual([
      ['mechanic', 'repair-started'],
      ['mechanic', 'extra-work-proposed'],
      ['mechanic', 'approval-requested'],
      ['notifications', 'notification:approval-requested'],
      ['customer', 'repair-rejected'],
      ['mechanic', 'approval-requested'],
      ['notifications', 'notification:approval-requested'],
      ['customer', 'approval-expired'],
      ['mechanic', 'proposal-failed'],
      ['mechanic', 'repair-completed'],
    ])
    expect(found.entries[0]!.eventId).toBe(start!.id)
    expect(found.entries[2]!.details).toMatchObject({ proposalId: 'p-1', price: { total: '52.75' } })
    expect(found.entries[4]!.details).toEqual({ proposalId: 'p-1', reason: 'Too expensive for now' })
    const [first, second] = found.entries.filter((e) => e.who === 'notifications')
    expect(first).toMatchObject({ notificationId: 'n-1', readAt: expect.any(String) })
    expect(second).toMatchObject({ notificationId: 'n-2', readAt: null })
  })
})

describe('events out of order', () => {
  it('applies a first read that arrives before its notification when the notification comes', async () => {
    await streams.repairs.publish(repairStarted('cust-2', 'repair-2'))
    const [reading] = await streams.notifications.publish(read('n-early', 'cust-2', 'repair-2'))
    await consumed()
    await streams.notifications.publish(sent('n-early', 'cust-2', 'repair-2'))
    await consumed()

    const notice = (await conversation('repair-2')).entries.find((e) => e.notificationId === 'n-early')
    expect(notice?.readAt).toBe(reading!.occurredAt)
  })

  it('leaves nothing waiting when the answer arrives before its question', async () => {
    await streams.repairs.publish(repairStarted('cust-3', 'repair-3'))
    await streams.repairs.publish(approved('repair-3', 'p-3'))
    await consumed()
    await streams.repairs.publish(approvalRequested('cust-3', 'repair-3', 'p-3'))
    await consumed()

    expect(await conversation('repair-3')).toMatchObject({ status: 'open', waitingSince: null })
  })

  it("keeps what arrives before the repair's start, and shows it in order once the start is known", async () => {
    await streams.repairs.publish(approvalRequested('cust-4', 'repair-4', 'p-4'))
    await consumed()
    expect((await host.get('/api/support/conversations/repair-4')).status).toBe(404)

    await streams.repairs.publish(repairStarted('cust-4', 'repair-4'))
    await consumed()
    const found = await conversation('repair-4')
    expect(found).toMatchObject({ customerId: 'cust-4', status: 'waiting' })
    // The start was published after the question: in order of when each happened, it comes second.
    expect(found.entries.map((e) => e.kind)).toEqual(['approval-requested', 'repair-started'])
  })

  it('orders entries by when they happened, not by when they arrived from two streams', async () => {
    // Published before the group reads anything, so it reads each stream's entries together: the
    // repairs stream's two, then the notification that happened between them.
    const prefix = uniquePrefix('support-order')
    const early = await producers(prefix)
    onTestFinished(early.close)
    await early.repairs.publish(repairStarted('cust-5', 'repair-5'))
    await tick()
    await early.notifications.publish(sent('n-5', 'cust-5', 'repair-5', 'repair-started'))
    await tick()
    await early.repairs.publish(completed('repair-5'))
    const late = await startTestHost({ services: ['support'], streamPrefix: prefix })
    onTestFinished(late.cleanup)
    await consumed(late, early)

    expect((await conversation('repair-5', late)).entries.map((e) => e.kind)).toEqual([
      'repair-started',
      'notification:repair-started',
      'repair-completed',
    ])
  })
})

describe('an event delivered twice', () => {
  it('is one entry', async () => {
    const envelopes = await streams.repairs.publish(
      repairStarted('cust-6', 'repair-6'),
      rejected('repair-6', 'p-6', 'No'),
    )
    const notices = await streams.notifications.publish(
      sent('n-6', 'cust-6', 'repair-6'),
      read('n-6', 'cust-6', 'repair-6'),
    )
    await streams.repairs.publishAgain(envelopes)
    await streams.notifications.publishAgain(notices)
    await consumed()

    const [{ n }] = (await host
      .db('support')
      .select({ n: count() })
      .from(entries)
      .where(eq(entries.repairId, 'repair-6'))) as [{ n: number }]
    expect(n).toBe(3)
    expect((await conversation('repair-6')).entries).toHaveLength(3)
  })
})

describe('the conversations by status', () => {
  it('lists those waiting for the customer, the longest wait first, with how long by the clock', async () => {
    // Started in one order, asked in the other: the list follows the wait, not the start.
    await streams.repairs.publish(repairStarted('cust-7', 'repair-later'))
    await streams.repairs.publish(repairStarted('cust-7', 'repair-longer'))
    const [longer] = await streams.repairs.publish(approvalRequested('cust-7', 'repair-longer', 'p-l'))
    await tick()
    const [later] = await streams.repairs.publish(approvalRequested('cust-7', 'repair-later', 'p-x'))
    await consumed()
    clock.set(after(later!.occurredAt, 90_000))

    const waiting = (await list('waiting')).filter((c) => c.repairId.startsWith('repair-l'))
    expect(waiting.map((c) => c.repairId)).toEqual(['repair-longer', 'repair-later'])
    expect(waiting[0]).toMatchObject({
      status: 'waiting',
      waitingSince: longer!.occurredAt,
      waitingSeconds: Math.floor(
        (Date.parse(later!.occurredAt) + 90_000 - Date.parse(longer!.occurredAt)) / 1000,
      ),
      waitingFor: { proposalId: 'p-l', expiresAt: '2026-12-08T09:00:00.000Z' },
    })
    expect(waiting[1]).toMatchObject({ waitingSince: later!.occurredAt, waitingSeconds: 90 })
  })

  it('tells the open from the closed and from those waiting', async () => {
    await streams.repairs.publish(
      repairStarted('cust-8', 'repair-open'),
      repairStarted('cust-8', 'repair-closed'),
      repairStarted('cust-8', 'repair-asked'),
      approvalRequested('cust-8', 'repair-asked', 'p-a'),
      completed('repair-closed'),
    )
    await consumed()

    const ids = async (status: string) =>
      (await list(status))
        .map((c) => c.repairId)
        .filter((id) => ['repair-open', 'repair-closed', 'repair-asked'].includes(id))
    expect(await ids('open')).toEqual(['repair-open'])
    expect(await ids('closed')).toEqual(['repair-closed'])
    expect(await ids('waiting')).toEqual(['repair-asked'])
    const [open] = (await list('open')).filter((c) => c.repairId === 'repair-open')
    expect(open).toMatchObject({ status: 'open', waitingSince: null, waitingSeconds: null })
  })
})
