import { count, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Envelope } from '../../shared/contracts/index.ts'
import { startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { streamProducer } from '../../shared/testing/stream-producer.ts'
import { SUPPORT_GROUP } from './consumer.ts'
import { kernelRequests, messages, outbox } from './schema.ts'
import { completed, repairStarted, repairsStream, type RepairsEvent } from './testing.ts'

// The support API over real HTTP on the Node host, beside the notifications service that delivers
// support's messages; the repairs stream is published as the repairs service's relay would.

let host: TestHost
let repairs: Awaited<ReturnType<typeof streamProducer<RepairsEvent>>>
const waitLong = { timeout: 10_000, interval: 25 }

beforeAll(async () => {
  host = await startTestHost({ services: ['support', 'notifications'] })
  repairs = await streamProducer({
    streamPrefix: host.config.streamPrefix,
    redisUrl: host.config.redisUrl,
    ...repairsStream,
  })
  await repairs.publish(repairStarted('ann', 'repair-ann'))
  await repairs.consumedBy(host.db('support'), SUPPORT_GROUP)
}, 30_000)
afterAll(async () => {
  await repairs?.close()
  await host?.cleanup()
})

const as = async (role: 'support' | 'manager' | 'mechanic') => ({
  authorization: `Bearer ${await host.tokenFor({ role, email: `${role}@pitstop.local` })}`,
})
const write = async (repairId: string, body: unknown, headers: Record<string, string> = {}) =>
  host.post(`/api/support/conversations/${repairId}/messages`, body, { ...(await as('support')), ...headers })

interface Entry {
  kind: string
  who: string
  actor: string
  text: string
  details: Record<string, unknown>
  readAt?: string | null
}
const entriesOf = async (repairId: string) => {
  const response = await host.get(`/api/support/conversations/${repairId}`)
  expect(response.status).toBe(200)
  return ((await response.json()) as { entries: Entry[] }).entries
}

/** Everything support writes, counted: a refusal changes none of it. */
const written = async () => {
  const db = host.db('support')
  const n = async (table: typeof messages | typeof outbox | typeof kernelRequests) =>
    (await db.select({ n: count() }).from(table))[0]!.n
  return { messages: await n(messages), outbox: await n(outbox), requests: await n(kernelRequests) }
}

/** The answer is 400 problem+json naming these fields. */
async function expectBadInput(res: Response, fields: string[]) {
  expect(res.status).toBe(400)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  const problem = (await res.json()) as { errors: { field: string }[] }
  expect(problem.errors.map((e) => e.field)).toEqual(fields)
}

describe('support writing to the customer of a repair', () => {
  it('records the message and one SupportMessageWritten, answers 201 with it, and shows it in the conversation', async () => {
    const response = await write('repair-ann', { text: '  Your car needs a new tyre as well.  ' })
    expect(response.status).toBe(201)
    expect(response.headers.get('location')).toBe('/api/support/conversations/repair-ann')
    const message = (await response.json()) as { messageId: string; eventId: string; text: string }
    expect(message).toMatchObject({
      repairId: 'repair-ann',
      customerId: 'ann',
      kind: 'support-message',
      who: 'support',
      actor: 'staff:support@pitstop.local',
      text: 'Your car needs a new tyre as well.',
    })

    const events = (
      await host.db('support').select().from(outbox).where(eq(outbox.type, 'SupportMessageWritten'))
    ).map((row) => JSON.parse(row.envelope) as Envelope)
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({
      id: message.eventId,
      stream: message.messageId,
      actor: 'staff:support@pitstop.local',
      data: { messageId: message.messageId, repairId: 'repair-ann', customerId: 'ann', text: message.text },
    })
    expect((await entriesOf('repair-ann')).filter((e) => e.kind === 'support-message')).toMatchObject([
      { who: 'support', text: message.text, details: { messageId: message.messageId } },
    ])
  })

  it('becomes a notification to the customer, which joins the conversation; the message keeps its place in time', async () => {
    await repairs.publish(repairStarted('bob', 'repair-bob'))
    await repairs.consumedBy(host.db('support'), SUPPORT_GROUP)
    expect((await write('repair-bob', { text: 'We will call you at noon.' })).status).toBe(201)
    await repairs.publish(completed('repair-bob'))

    await vi.waitFor(async () => {
      const kinds = (await entriesOf('repair-bob')).map((e) => e.kind)
      expect(kinds).toContain('notification:support-message')
      expect(kinds).toContain('repair-completed')
    }, waitLong)
    const said = await entriesOf('repair-bob')
    const at = (kind: string) => said.findIndex((e) => e.kind === kind)
    expect(at('repair-started')).toBeLessThan(at('support-message'))
    expect(at('support-message')).toBeLessThan(at('notification:support-message'))
    expect(at('support-message')).toBeLessThan(at('repair-completed'))
    expect(said[at('notification:support-message')]).toMatchObject({
      who: 'notifications',
      text: 'We will call you at noon.',
      details: { recipient: 'customer:bob', kind: 'support-message' },
      readAt: null,
    })
  })

  it('answers a repeat under the same Idempotency-Key with the first answer and writes once', async () => {
    const key = { 'idempotency-key': 'message-once' }
    const first = await write('repair-ann', { text: 'Once only' }, key)
    const before = await written()
    const again = await write('repair-ann', { text: 'Once only' }, key)

    expect(again.status).toBe(201)
    expect(again.headers.get('idempotent-replayed')).toBe('true')
    expect(await again.json()).toEqual(await first.json())
    expect(await written()).toEqual(before)
  })
})

describe('a message refused', () => {
  it.each([
    ['empty text', { text: '   ' }, ['/text']],
    ['text too long', { text: 'x'.repeat(2001) }, ['/text']],
    ['no text', {}, ['/text']],
    ['text not a string', { text: 42 }, ['/text']],
    ['a body that is no object', ['hello'], ['/']],
  ])('%s: 400 naming the field, nothing written', async (_, body, fields) => {
    const before = await written()
    await expectBadInput(await write('repair-ann', body), fields)
    expect(await written()).toEqual(before)
  })

  it('404 for a repair whose start is unknown, nothing written', async () => {
    const before = await written()
    const response = await write('repair-nobody', { text: 'Hello?' })
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
    expect(await written()).toEqual(before)
  })
})

describe('reading conversations', () => {
  it('404 problem+json for a repair it knows nothing of', async () => {
    const response = await host.get('/api/support/conversations/repair-nobody')
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
  })

  it('gives a conversation a page of entries at a time, with how many there are in all', async () => {
    await repairs.publish(repairStarted('ann', 'repair-pages'))
    await repairs.consumedBy(host.db('support'), SUPPORT_GROUP)
    for (const n of [1, 2, 3])
      expect((await write('repair-pages', { text: `Message ${n}` })).status).toBe(201)
    const page = async (query: string) => {
      const response = await host.get(`/api/support/conversations/repair-pages${query}`)
      expect(response.status).toBe(200)
      return (await response.json()) as { totalEntries: number; entries: Entry[] }
    }

    // The start, three messages, and the notification of each to the customer.
    const all = await vi.waitFor(async () => {
      const whole = await page('?limit=1000')
      expect(whole.totalEntries).toBe(8)
      return whole.entries
    }, waitLong)
    const second = await page('?limit=3&offset=3')
    expect(second.totalEntries).toBe(8)
    expect(second.entries).toEqual(all.slice(3, 6))
    expect((await page('')).entries).toEqual(all)
    await expectBadInput(await host.get('/api/support/conversations/repair-pages?limit=0'), ['/query/limit'])
  })

  it('400 problem+json naming the status for one it does not know', async () => {
    await expectBadInput(await host.get('/api/support/conversations?status=pending'), ['/query/status'])
  })
})

describe('who may call', () => {
  const endpoints = [
    ['GET', '/api/support/conversations'],
    ['GET', '/api/support/conversations/repair-ann'],
    ['POST', '/api/support/conversations/repair-ann/messages'],
  ] as const
  const call = (method: string, path: string, authorization?: string) =>
    fetch(`${host.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
      ...(method === 'POST' && { body: JSON.stringify({ text: 'Not from you' }) }),
    })

  it.each(endpoints)(
    '%s %s: support and the manager; 403 for a mechanic and a customer, 401 anonymous',
    async (method, path) => {
      const before = await written()
      const customer = `Bearer ${await host.tokenFor({ role: 'customer', customerId: 'ann' })}`
      for (const [authorization, status] of [
        [undefined, 401],
        [(await as('mechanic')).authorization, 403],
        [customer, 403],
      ] as const) {
        const response = await call(method, path, authorization)
        expect(response.status).toBe(status)
        expect(response.headers.get('content-type')).toBe('application/problem+json')
      }
      expect(await written()).toEqual(before)
      for (const role of ['support', 'manager'] as const)
        expect((await call(method, path, (await as(role)).authorization)).status).toBe(
          method === 'POST' ? 201 : 200,
        )
    },
  )
})
