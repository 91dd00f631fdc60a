import { count, eq } from 'drizzle-orm'
import { EventSource } from 'eventsource'
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest'
import { parseConfig } from '../../shared/host/config.ts'
import { startTestHost } from '../../shared/host/node/test-host.ts'
import { MAX_STREAMS_PER_RECIPIENT } from './live-routes.ts'
import { firstReads, notifications, outbox } from './schema.ts'
import {
  approvalRequested,
  approved,
  jobPlanned,
  MECHANIC,
  openStream,
  repairStarted,
  startNotificationsHost,
  type NotificationsHost,
} from './testing.ts'

// The notifications API over real HTTP on the Node host: the list, the first read and the live stream,
// fed by the events the other services' relays would publish (see testing.ts).

let host: NotificationsHost
beforeAll(async () => {
  host = await startNotificationsHost()
})
afterAll(() => host?.cleanup())

const db = () => host.db('notifications')

const customer = async (customerId: string) => ({
  authorization: `Bearer ${await host.tokenFor({ role: 'customer', customerId })}`,
})
const staff = async (role: 'mechanic' | 'support' | 'manager', email = `${role}@pitstop.local`) => ({
  authorization: `Bearer ${await host.tokenFor({ role, email })}`,
})
interface View {
  notificationId: string
  recipient: string
  kind: string
  repairId: string | null
  sequence: number
  readAt: string | null
}
const list = async (query: string, headers: Record<string, string>) => {
  const res = await host.get(`/api/notifications${query}`, headers)
  expect(res.status).toBe(200)
  return (await res.json()) as View[]
}

/** A repair of `customerId` started by the mechanic, with an approval asked: two notices to the customer. */
async function repairAskingApproval(customerId: string, repairId: string) {
  await host.streams.repairs.publish(
    repairStarted(customerId, repairId),
    approvalRequested(customerId, repairId, `proposal-${repairId}`),
  )
  await host.consumed('repairs')
}
const notificationOf = async (recipient: string, kind: string) =>
  (await db().select().from(notifications).where(eq(notifications.recipient, recipient))).find(
    (n) => n.kind === kind,
  )!
const readEvents = async (notificationId: string) =>
  (await db().select().from(outbox).where(eq(outbox.type, 'NotificationRead'))).filter(
    (row) =>
      (JSON.parse(row.envelope) as { data: { notificationId: string } }).data.notificationId ===
      notificationId,
  )

describe('GET /api/notifications', () => {
  beforeAll(async () => {
    await repairAskingApproval('list-ann', 'repair-list-ann')
    await repairAskingApproval('list-bob', 'repair-list-bob')
    await host.streams.repairs.publish(approved('repair-list-ann', 'proposal-repair-list-ann'))
    await host.consumed('repairs')
  })

  it("shows a customer their own notifications, newest first, and nobody else's", async () => {
    const shown = await list('', await customer('list-ann'))
    expect(shown.map((n) => n.kind)).toEqual(['approval-requested', 'repair-started'])
    expect(shown.every((n) => n.recipient === 'customer:list-ann')).toBe(true)
    expect(shown[0]!.sequence).toBeGreaterThan(shown[1]!.sequence)
  })

  it("refuses a customer or a mechanic who asks for someone else's", async () => {
    for (const [headers, recipient] of [
      [await customer('list-ann'), 'customer:list-bob'],
      [await staff('mechanic', 'other@pitstop.local'), MECHANIC],
    ] as const) {
      const res = await host.get(`/api/notifications?recipient=${recipient}`, headers)
      expect(res.status).toBe(403)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
    }
    expect(await list('?recipient=customer:list-ann', await customer('list-ann'))).toHaveLength(2)
  })

  it("shows support and the manager everyone's, by recipient and by repair", async () => {
    for (const headers of [await staff('support'), await staff('manager')]) {
      const everyone = await list('?limit=500', headers)
      expect(new Set(everyone.map((n) => n.recipient))).toEqual(
        new Set(['customer:list-ann', 'customer:list-bob', MECHANIC]),
      )
      const bobs = await list('?recipient=customer:list-bob', headers)
      expect(bobs.map((n) => n.kind)).toEqual(['approval-requested', 'repair-started'])
      const annsRepair = await list('?repairId=repair-list-ann', headers)
      expect(annsRepair.map((n) => [n.recipient, n.kind])).toEqual([
        [MECHANIC, 'repair-approved'],
        ['customer:list-ann', 'approval-requested'],
        ['customer:list-ann', 'repair-started'],
      ])
    }
  })

  it('shows a mechanic the answers to their repairs', async () => {
    const shown = await list('?repairId=repair-list-ann', await staff('mechanic'))
    expect(shown.map((n) => n.kind)).toEqual(['repair-approved'])
  })

  it('answers a bad query with problem+json naming the field', async () => {
    for (const query of ['?recipient=somebody', '?limit=0', '?limit=abc', '?repairId=%20']) {
      const res = await host.get(`/api/notifications${query}`)
      expect(res.status, query).toBe(400)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
    }
  })

  it('asks who is calling', async () => {
    const res = await fetch(`${host.url}/api/notifications`)
    expect(res.status).toBe(401)
  })
})

describe('POST /api/notifications/{id}/read', () => {
  beforeAll(() => repairAskingApproval('read-ann', 'repair-read-ann'))
  const read = async (notificationId: string, headers: Record<string, string>) =>
    host.post(`/api/notifications/${notificationId}/read`, {}, headers)

  it('records the first read once, with one NotificationRead, however often it is read', async () => {
    const asked = await notificationOf('customer:read-ann', 'approval-requested')
    const first = await read(asked.notificationId, await customer('read-ann'))
    expect(first.status).toBe(200)
    const { readAt } = (await first.json()) as View
    expect(readAt).not.toBeNull()

    const again = await read(asked.notificationId, await customer('read-ann'))
    expect(((await again.json()) as View).readAt).toBe(readAt)
    const events = await readEvents(asked.notificationId)
    expect(events).toHaveLength(1)
    expect(JSON.parse(events[0]!.envelope)).toMatchObject({
      type: 'NotificationRead',
      actor: 'customer:read-ann',
      data: { notificationId: asked.notificationId, kind: 'approval-requested', repairId: 'repair-read-ann' },
    })
  })

  it('records one first read when it is read many times at once', async () => {
    const started = await notificationOf('customer:read-ann', 'repair-started')
    const headers = await customer('read-ann')
    const answers = await Promise.all(Array.from({ length: 8 }, () => read(started.notificationId, headers)))
    expect(answers.map((res) => res.status)).toEqual(Array(8).fill(200))
    const readAts = new Set(
      await Promise.all(answers.map(async (res) => ((await res.json()) as View).readAt)),
    )
    expect(readAts.size).toBe(1)
    expect(await readEvents(started.notificationId)).toHaveLength(1)
    const [counted] = await db()
      .select({ reads: count() })
      .from(firstReads)
      .where(eq(firstReads.notificationId, started.notificationId))
    expect(counted?.reads).toBe(1)
  })

  it("refuses another's notification: 403 to a customer, 404 to staff, and writes nothing", async () => {
    const asked = await notificationOf('customer:read-ann', 'approval-requested')
    const before = await readEvents(asked.notificationId)
    expect((await read(asked.notificationId, await customer('read-bob'))).status).toBe(403)
    for (const role of ['mechanic', 'support', 'manager'] as const)
      expect((await read(asked.notificationId, await staff(role))).status).toBe(404)
    expect(await readEvents(asked.notificationId)).toEqual(before)
  })

  it('answers an unknown notification as one of another customer to a customer, 404 to staff, and a malformed id with 400', async () => {
    const unknown = await read('no-such-notification', await customer('read-ann'))
    expect(unknown.status).toBe(403)
    const staffAsks = await read('no-such-notification', await staff('mechanic'))
    expect(staffAsks.status).toBe(404)
    expect(staffAsks.headers.get('content-type')).toBe('application/problem+json')
    const malformed = await read('%20bad%20id', await staff('mechanic'))
    expect(malformed.status).toBe(400)
    expect(malformed.headers.get('content-type')).toBe('application/problem+json')
  })
})

describe('GET /api/notifications/stream', () => {
  it('replays what came before, then delivers each new notification as it is committed', async () => {
    await repairAskingApproval('live-ann', 'repair-live-ann')
    const stream = openStream(host.url, (await customer('live-ann')).authorization.slice(7))
    onTestFinished(stream.close)
    await stream.until(2)
    expect(stream.received.map((e) => e.data.kind)).toEqual(['repair-started', 'approval-requested'])

    await host.streams.workshop.publish(jobPlanned('live-ann', 'job-live-ann'))
    await stream.until(3)
    expect(stream.received[2]!.data).toMatchObject({
      kind: 'appointment-confirmed',
      recipient: 'customer:live-ann',
    })
    expect(stream.received.map((e) => Number(e.id))).toEqual(stream.received.map((e) => e.data.sequence))
  })

  it('resumes after Last-Event-ID with what it missed, and nothing twice', async () => {
    await repairAskingApproval('resume-ann', 'repair-resume-ann')
    const [first] = await list('?recipient=customer:resume-ann&limit=1', await staff('support'))
    const started = (await list('?recipient=customer:resume-ann', await staff('support'))).at(-1)!
    await host.streams.workshop.publish(jobPlanned('resume-ann', 'job-resume-ann'))
    await host.consumed('workshop')

    const res = await host.get('/api/notifications/stream', {
      ...(await customer('resume-ann')),
      'last-event-id': String(started.sequence),
    })
    const text = await readUntil(res, (seen) => (seen.match(/^event: notification$/gm) ?? []).length >= 2)
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))
    expect(ids[0]).toBe(first!.sequence)
    expect(ids).toHaveLength(2)
    expect(ids).not.toContain(started.sequence)

    const byQuery = openStream(
      host.url,
      (await customer('resume-ann')).authorization.slice(7),
      `?lastEventId=${ids[1]}`,
    )
    onTestFinished(byQuery.close)
    await byQuery.opened
    await host.streams.repairs.publish(approved('repair-resume-ann', 'proposal-repair-resume-ann'))
    await repairAskingApproval('resume-ann', 'repair-resume-ann-2')
    await byQuery.until(2)
    expect(byQuery.received.map((e) => e.data.kind)).toEqual(['repair-started', 'approval-requested'])
  })

  it("never shows a recipient another's notifications", async () => {
    const bob = openStream(host.url, (await customer('quiet-bob')).authorization.slice(7))
    onTestFinished(bob.close)
    await bob.opened
    await repairAskingApproval('busy-ann', 'repair-busy-ann')
    const ann = openStream(host.url, (await customer('busy-ann')).authorization.slice(7))
    onTestFinished(ann.close)
    await ann.until(2)
    await repairAskingApproval('quiet-bob', 'repair-quiet-bob')
    await bob.until(2)
    expect(bob.received.map((e) => e.data.recipient)).toEqual(['customer:quiet-bob', 'customer:quiet-bob'])
  })

  it('refuses a malformed Last-Event-ID with problem+json, and anyone not signed in', async () => {
    const bad = await host.get('/api/notifications/stream', { 'last-event-id': 'yesterday' })
    expect(bad.status).toBe(400)
    expect(bad.headers.get('content-type')).toBe('application/problem+json')
    expect(await bad.text()).toContain('Last-Event-ID')
    const badQuery = await host.get('/api/notifications/stream?lastEventId=-1')
    expect(badQuery.status).toBe(400)
    expect((await fetch(`${host.url}/api/notifications/stream`)).status).toBe(401)
  })

  it('ends when its session is ended, and delivers nothing after', async () => {
    const { token, principal } = await host.running.tokens.issue(
      { role: 'customer', customerId: 'signs-out' },
      3_600_000,
      'session-signs-out',
    )
    const stream = openStream(host.url, token)
    onTestFinished(stream.close)
    await repairAskingApproval('signs-out', 'repair-signs-out')
    await stream.until(2)
    await host.running.tokens.revoke(principal)
    await repairAskingApproval('signs-out', 'repair-signs-out-later')

    // Ended, the browser's EventSource reconnects, is refused (401), and gives up.
    await vi.waitFor(() => expect(stream.source.readyState).toBe(EventSource.CLOSED), { timeout: 10_000 })
    expect(stream.received.map((e) => e.data.repairId)).toEqual(['repair-signs-out', 'repair-signs-out'])
  })

  it('ends when its session expires', async () => {
    const { token } = await host.running.tokens.issue(
      { role: 'customer', customerId: 'expires' },
      1_500,
      'session-expires',
    )
    const res = await host.get('/api/notifications/stream', { authorization: `Bearer ${token}` })
    const started = performance.now()
    expect(await readUntil(res, () => false)).toMatch(/^retry: /)
    expect(performance.now() - started).toBeLessThan(10_000)
  })

  it(`lets a recipient hold ${MAX_STREAMS_PER_RECIPIENT} streams at once, and refuses one more with 429`, async () => {
    const token = (await customer('many-tabs')).authorization.slice(7)
    const tabs = Array.from({ length: MAX_STREAMS_PER_RECIPIENT }, () => openStream(host.url, token))
    onTestFinished(() => tabs.forEach((tab) => tab.close()))
    await Promise.all(tabs.map((tab) => tab.opened))

    const refused = await host.get('/api/notifications/stream', await customer('many-tabs'))
    expect(refused.status).toBe(429)
    expect(refused.headers.get('content-type')).toBe('application/problem+json')
    const someoneElse = openStream(host.url, (await customer('one-tab')).authorization.slice(7))
    onTestFinished(someoneElse.close)
    await someoneElse.opened

    tabs.pop()!.close()
    await vi.waitFor(async () => {
      const again = await host.get('/api/notifications/stream', await customer('many-tabs'))
      await again.body?.cancel()
      expect(again.status).toBe(200)
    })
  })

  it('sends a heartbeat when it has been silent for SSE_HEARTBEAT_SECONDS', async () => {
    const quick = await startTestHost({
      services: ['notifications'],
      settings: parseConfig({ SSE_HEARTBEAT_SECONDS: '1' }).settings,
    })
    onTestFinished(quick.cleanup)
    const res = await quick.get('/api/notifications/stream')
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    const text = await readUntil(res, (seen) => seen.includes(': still here'), 5_000)
    expect(text).toMatch(/^retry: \d+\n\n/)
    expect(text).toContain(': still here\n\n')
  })
})

/** Reads an event stream's body until `done` says so (or `timeoutMs` passed), then lets it go. */
async function readUntil(res: Response, done: (seen: string) => boolean, timeoutMs = 10_000) {
  expect(res.status).toBe(200)
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  const timer = setTimeout(() => void reader.cancel(), timeoutMs)
  let seen = ''
  try {
    while (!done(seen)) {
      const { value, done: ended } = await reader.read()
      if (ended) break
      seen += value
    }
  } finally {
    clearTimeout(timer)
    await reader.cancel()
  }
  return seen
}
