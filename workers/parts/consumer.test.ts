import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Envelope } from '../../shared/contracts/index.ts'
import { startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { TEST_REDIS_URL } from '../../shared/testing/redis.ts'
import {
  approved,
  expired,
  proposed,
  rejected,
  repairsProducer,
  reservationEvents,
  type RepairsProducer,
} from './testing.ts'

// The parts consumer group on a real host, reading what a real relay publishes from a repairs outbox
// (see `repairsProducer`), and answering on the parts service's own outbox.
let host: TestHost
let repairs: RepairsProducer
const redis = new Redis(TEST_REDIS_URL)
const waitLong = { timeout: 10_000, interval: 25 }

beforeAll(async () => {
  host = await startTestHost({ services: ['parts'] })
  repairs = await repairsProducer(host.config.streamPrefix)
})
afterAll(async () => {
  await repairs.close()
  await host.cleanup()
  redis.disconnect()
})

type Lot = { lotId: string; quantity: number; onHand: number; reserved: number; available: number }
type Part = { onHand: number; reserved: number; available: number; lots: Lot[] }

/** A part in the catalogue with lots of these sizes, received in this order (so the first is the oldest). */
async function stocked(partNumber: string, unitPrice: string, ...quantities: number[]): Promise<string[]> {
  expect((await host.post('/api/parts', { partNumber, name: `Part ${partNumber}`, unitPrice })).status).toBe(
    201,
  )
  const lotIds: string[] = []
  for (const quantity of quantities) {
    const res = await host.post(`/api/parts/${partNumber}/lots`, { quantity })
    expect(res.status).toBe(201)
    lotIds.push(((await res.json()) as { lotId: string }).lotId)
  }
  return lotIds
}
const stockOf = async (partNumber: string) =>
  (await (await host.get(`/api/parts/${partNumber}`)).json()) as Part

/** The events the parts service published in answer about a proposal, in order. */
const answersAbout = async (proposalId: string) =>
  (await reservationEvents(host.db('parts'))).filter(
    (event) => (event.data as { reservationId: string }).reservationId === proposalId,
  )
const waitForAnswers = (proposalId: string, count: number) =>
  vi.waitFor(async () => {
    const answers = await answersAbout(proposalId)
    expect(answers).toHaveLength(count)
    return answers
  }, waitLong)
const caughtUp = () => repairs.consumedBy(host.db('parts'))

describe('a proposal of extra work', () => {
  it('reserves every line from the oldest lots first, at the catalogue price, naming the lots', async () => {
    const [oldest, newer] = await stocked('RES-1', '12.50', 2, 5)
    const [filters] = await stocked('RES-2', '8.99', 4)

    const [proposal] = await repairs.publish(
      proposed('repair-1', 'proposal-1', [
        { partNumber: 'res-1', quantity: 3 },
        { partNumber: 'RES-2', quantity: 4 },
      ]),
    )

    const [answer] = await waitForAnswers('proposal-1', 1)
    expect(answer).toMatchObject({
      type: 'PartsReserved',
      stream: 'proposal-1',
      position: 1,
      actor: 'parts',
      correlationId: proposal!.correlationId,
      causationId: proposal!.id,
      data: {
        reservationId: 'proposal-1',
        repairId: 'repair-1',
        lines: [
          { partNumber: 'RES-1', lotId: oldest, quantity: 2, unitPriceCents: 1250 },
          { partNumber: 'RES-1', lotId: newer, quantity: 1, unitPriceCents: 1250 },
          { partNumber: 'RES-2', lotId: filters, quantity: 4, unitPriceCents: 899 },
        ],
      },
    })
    expect(await stockOf('RES-1')).toMatchObject({
      onHand: 7,
      reserved: 3,
      available: 4,
      lots: [
        { lotId: oldest, onHand: 2, reserved: 2, available: 0 },
        { lotId: newer, onHand: 5, reserved: 1, available: 4 },
      ],
    })
    expect(await stockOf('RES-2')).toMatchObject({ onHand: 4, reserved: 4, available: 0 })
    // The answer goes out on the parts stream, for the repairs service.
    await vi.waitFor(async () => {
      const entries = (await redis.xrange(`${host.config.streamPrefix}.parts`, '-', '+')) as [
        string,
        string[],
      ][]
      const published = entries.map(
        ([, fields]) => (JSON.parse(fields[fields.indexOf('event') + 1]!) as Envelope).id,
      )
      expect(published).toContain(answer!.id)
    }, waitLong)
  })

  it('reserves nothing when a line is short by one, naming the short lines with what was available', async () => {
    await stocked('SHORT-1', '1.00', 2, 1)
    await stocked('SHORT-2', '1.00', 5)

    await repairs.publish(
      proposed('repair-2', 'proposal-2', [
        { partNumber: 'SHORT-1', quantity: 4 },
        { partNumber: 'SHORT-2', quantity: 5 },
        { partNumber: 'NOT-IN-CATALOGUE', quantity: 1 },
      ]),
    )

    const [answer] = await waitForAnswers('proposal-2', 1)
    expect(answer).toMatchObject({
      type: 'PartsUnavailable',
      data: {
        reservationId: 'proposal-2',
        repairId: 'repair-2',
        shortages: [
          { partNumber: 'SHORT-1', requested: 4, available: 3 },
          { partNumber: 'NOT-IN-CATALOGUE', requested: 1, available: 0 },
        ],
      },
    })
    expect(await stockOf('SHORT-1')).toMatchObject({ reserved: 0, available: 3 })
    expect(await stockOf('SHORT-2')).toMatchObject({ reserved: 0, available: 5 })
  })

  it('takes the last items on hand', async () => {
    await stocked('LAST-1', '1.00', 2, 1)

    await repairs.publish(proposed('repair-3', 'proposal-3', [{ partNumber: 'LAST-1', quantity: 3 }]))

    expect((await waitForAnswers('proposal-3', 1))[0]!.type).toBe('PartsReserved')
    expect(await stockOf('LAST-1')).toMatchObject({ onHand: 3, reserved: 3, available: 0 })
  })

  it('answers a proposal without parts with a reservation without lines', async () => {
    await repairs.publish(proposed('repair-4', 'proposal-4', []))

    const [answer] = await waitForAnswers('proposal-4', 1)
    expect(answer).toMatchObject({
      type: 'PartsReserved',
      data: { reservationId: 'proposal-4', repairId: 'repair-4', lines: [] },
    })
  })
})

describe('the answer of the customer', () => {
  it('commits the reservation on approval: the items leave, on hand goes down', async () => {
    const [lot] = await stocked('APP-1', '2.00', 5)
    await repairs.publish(proposed('repair-5', 'proposal-5', [{ partNumber: 'APP-1', quantity: 2 }]))
    await waitForAnswers('proposal-5', 1)

    const [approval] = await repairs.publish(approved('repair-5', 'proposal-5'))

    const [, committed] = await waitForAnswers('proposal-5', 2)
    expect(committed).toMatchObject({
      type: 'ReservationCommitted',
      stream: 'proposal-5',
      position: 2,
      causationId: approval!.id,
      data: {
        reservationId: 'proposal-5',
        repairId: 'repair-5',
        lines: [{ partNumber: 'APP-1', lotId: lot, quantity: 2, unitPriceCents: 200 }],
      },
    })
    expect(await stockOf('APP-1')).toMatchObject({
      onHand: 3,
      reserved: 0,
      available: 3,
      lots: [{ lotId: lot, quantity: 5, onHand: 3, reserved: 0, available: 3 }],
    })
  })

  it.each([
    ['rejected', rejected],
    ['expired', expired],
  ] as const)('releases the reservation to the same lots when %s', async (reason, answered) => {
    const partNumber = `REL-${reason}`.toUpperCase()
    const lotIds = await stocked(partNumber, '2.00', 1, 4)
    const proposalId = `proposal-${reason}`
    await repairs.publish(proposed('repair-6', proposalId, [{ partNumber, quantity: 3 }]))
    const [reserved] = await waitForAnswers(proposalId, 1)

    await repairs.publish(answered('repair-6', proposalId))

    const [, released] = await waitForAnswers(proposalId, 2)
    expect(released).toMatchObject({
      type: 'ReservationReleased',
      data: { reservationId: proposalId, lines: (reserved!.data as { lines: unknown[] }).lines, reason },
    })
    expect(await stockOf(partNumber)).toMatchObject({
      onHand: 5,
      reserved: 0,
      available: 5,
      lots: lotIds.map((lotId, i) => ({ lotId, onHand: [1, 4][i], reserved: 0 })),
    })
  })

  it('changes nothing when the parts of the proposal were unavailable', async () => {
    await stocked('NONE-1', '2.00', 1)
    await repairs.publish(proposed('repair-7', 'proposal-7', [{ partNumber: 'NONE-1', quantity: 2 }]))
    await waitForAnswers('proposal-7', 1)

    await repairs.publish(approved('repair-7', 'proposal-7'), expired('repair-7', 'proposal-7'))
    await caughtUp()

    expect((await answersAbout('proposal-7')).map((e) => e.type)).toEqual(['PartsUnavailable'])
    expect(await stockOf('NONE-1')).toMatchObject({ onHand: 1, reserved: 0, available: 1 })
  })
})

describe('events delivered more than once, or out of turn', () => {
  it('answers each event once when it is published again', async () => {
    await stocked('DUP-1', '2.00', 10)
    const proposals = await repairs.publish(
      proposed('repair-8', 'proposal-8a', [{ partNumber: 'DUP-1', quantity: 2 }]),
      proposed('repair-8', 'proposal-8b', [{ partNumber: 'DUP-1', quantity: 3 }]),
    )
    await waitForAnswers('proposal-8b', 1)
    const approval = await repairs.publish(approved('repair-8', 'proposal-8a'))
    await waitForAnswers('proposal-8a', 2)

    await repairs.publishAgain([...proposals, ...approval])
    // The relay goes on after what was published again.
    await repairs.publish(rejected('repair-8', 'proposal-8b'))
    await waitForAnswers('proposal-8b', 2)
    await caughtUp()

    expect((await answersAbout('proposal-8a')).map((e) => e.type)).toEqual([
      'PartsReserved',
      'ReservationCommitted',
    ])
    expect((await answersAbout('proposal-8b')).map((e) => e.type)).toEqual([
      'PartsReserved',
      'ReservationReleased',
    ])
    expect(await stockOf('DUP-1')).toMatchObject({ onHand: 8, reserved: 0, available: 8 })
  })

  it('keeps the first answer of the customer when a second comes (another event for the same proposal)', async () => {
    await stocked('TWICE-1', '2.00', 10)
    await repairs.publish(proposed('repair-9', 'proposal-9', [{ partNumber: 'TWICE-1', quantity: 4 }]))
    await waitForAnswers('proposal-9', 1)

    await repairs.publish(approved('repair-9', 'proposal-9'))
    await repairs.publish(approved('repair-9', 'proposal-9'), rejected('repair-9', 'proposal-9'))
    await repairs.publish(proposed('repair-9', 'proposal-9', [{ partNumber: 'TWICE-1', quantity: 1 }]))
    await caughtUp()

    expect((await answersAbout('proposal-9')).map((e) => e.type)).toEqual([
      'PartsReserved',
      'ReservationCommitted',
    ])
    expect(await stockOf('TWICE-1')).toMatchObject({ onHand: 6, reserved: 0, available: 6 })
  })

  it('applies an approval that overtook its proposal once the proposal is answered', async () => {
    await stocked('EARLY-1', '2.00', 3)

    // Entries come in stream order: the approval first fails, stays pending, and is claimed again.
    await repairs.publish(approved('repair-10', 'proposal-10'))
    await repairs.publish(proposed('repair-10', 'proposal-10', [{ partNumber: 'EARLY-1', quantity: 2 }]))

    const answers = await waitForAnswers('proposal-10', 2)
    expect(answers.map((e) => e.type)).toEqual(['PartsReserved', 'ReservationCommitted'])
    await caughtUp()
    expect(await stockOf('EARLY-1')).toMatchObject({ onHand: 1, reserved: 0, available: 1 })
    expect(await (await host.get('/api/parts/dead-letters')).json()).toMatchObject({ letters: [] })
  })
})

describe('parts released and reserved again in one stretch of the stream', () => {
  it('reserves for a proposal what the expiry published just before it released', async () => {
    await stocked('RR-1', '1.00', 2)
    await repairs.publish(proposed('repair-rr', 'rr-1', [{ partNumber: 'RR-1', quantity: 2 }]))
    await waitForAnswers('rr-1', 1)
    // As the repairs service commits a proposal made after the previous approval lapsed: together.
    await repairs.publish(
      expired('repair-rr', 'rr-1'),
      proposed('repair-rr', 'rr-2', [{ partNumber: 'RR-1', quantity: 2 }]),
    )
    await waitForAnswers('rr-2', 1)
    expect((await answersAbout('rr-1')).map((e) => e.type)).toEqual(['PartsReserved', 'ReservationReleased'])
    expect((await answersAbout('rr-2')).map((e) => e.type)).toEqual(['PartsReserved'])
    expect(await stockOf('RR-1')).toMatchObject({ onHand: 2, reserved: 2, available: 0 })
  })
})
