import { Redis } from 'ioredis'
import { afterAll, expect, it } from 'vitest'
import { newUuidV7, systemClock } from '../../shared/clock.ts'
import type { Envelope } from '../../shared/contracts/index.ts'
import { isConstraintViolation } from '../../shared/db/database.ts'
import { commitWrites } from '../../shared/db/statements.ts'
import { toEnvelopes } from '../../shared/envelope.ts'
import { createOutbox } from '../../shared/outbox/outbox.ts'
import { tempDatabase } from '../../shared/testing/temp-database.ts'
import { startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { TEST_REDIS_URL } from '../../shared/testing/redis.ts'
import type { AllocatedLine, ShortLine } from './allocation.ts'
import { PARTS_GROUP, reservationsConsumer } from './consumer.ts'
import { lots, parts } from './schema.ts'
import {
  approved,
  expired,
  proposed,
  rejected,
  repairsProducer,
  reservationEvents,
  type RepairsEvent,
  type RepairsProducer,
} from './testing.ts'

// Proposals competing for the last items of a part, answered by two hosts sharing one parts database
// (scale-out: two processes of the same deployment), while a third member of the group dies holding
// entries (claimed from it after CLAIM_IDLE_MS) and events are published twice. The lots' CHECK is what
// keeps the count right: a consumer that allocated on a stale read has its batch refused.

const PART = 'LAST-ITEMS'
const LOTS = [5, 7]
const PROPOSALS = 24
const proposalId = (i: number) => `race-proposal-${i}`
const repairId = (i: number) => `race-repair-${i}`
/** 1 to 3 items each, 48 in all for 12 in stock; every fifth also wants a part the catalogue lacks. */
const wanted = (i: number) => [
  { partNumber: PART, quantity: 1 + (i % 3) },
  ...(i % 5 === 4 ? [{ partNumber: 'NOT-STOCKED', quantity: 1 }] : []),
]

const redis = new Redis(TEST_REDIS_URL)
let hosts: TestHost[] = []
let repairs: RepairsProducer | undefined
afterAll(async () => {
  await Promise.all(hosts.map((host) => host.stop()))
  await repairs?.close()
  for (const host of hosts) await host.cleanup()
  redis.disconnect()
})

type Answer = Envelope & { data: { reservationId: string; lines?: AllocatedLine[]; shortages?: ShortLine[] } }
const answersBy = (events: Envelope[]) => {
  const byProposal = new Map<string, Answer[]>()
  for (const event of events as Answer[])
    byProposal.set(event.data.reservationId, [...(byProposal.get(event.data.reservationId) ?? []), event])
  return byProposal
}
const sumBy = <T>(items: T[], key: (item: T) => string, amount: (item: T) => number) => {
  const sums = new Map<string, number>()
  for (const item of items) sums.set(key(item), (sums.get(key(item)) ?? 0) + amount(item))
  return sums
}

it('never reserves more than is on hand, answers each proposal once, and keeps count through every answer', async () => {
  // The catalogue, entered while no consumer of the group runs.
  const seeding = await startTestHost({ services: ['parts'] })
  hosts.push(seeding)
  const { dataDir, streamPrefix } = seeding.config
  expect(
    (await seeding.post('/api/parts', { partNumber: PART, name: 'Brake pads', unitPrice: '12.50' })).status,
  ).toBe(201)
  for (const quantity of LOTS)
    expect((await seeding.post(`/api/parts/${PART}/lots`, { quantity })).status).toBe(201)
  await seeding.stop()

  repairs = await repairsProducer(streamPrefix)
  const events = Array.from({ length: PROPOSALS }, (_, i) => proposed(repairId(i), proposalId(i), wanted(i)))
  const first = await repairs.publish(...events.slice(0, 8))
  // A member of the group takes three entries and dies without acknowledging them.
  await redis.xreadgroup(
    'GROUP',
    PARTS_GROUP,
    'died-holding-entries',
    'COUNT',
    3,
    'STREAMS',
    repairs.stream,
    '>',
  )

  const consumers = await Promise.all(
    [0, 1].map(() => startTestHost({ services: ['parts'], dataDir, streamPrefix })),
  )
  hosts.push(...consumers)
  const db = consumers[0]!.db('parts')
  // The rest in small commits, each its own append, so the two consumers take turns; some twice.
  for (let i = 8; i < PROPOSALS; i += 2) await repairs.publish(...events.slice(i, i + 2))
  await repairs.publishAgain([first[0]!, first[5]!])
  await repairs.consumedBy(db, 20_000)

  const answers = answersBy(await reservationEvents(db))
  const stock = await db.select().from(lots)
  const reservedLines = [...answers.values()].flatMap(([answer]) => answer!.data.lines ?? [])

  // One answer per proposal, all or nothing.
  expect([...answers.keys()].sort()).toEqual(
    Array.from({ length: PROPOSALS }, (_, i) => proposalId(i)).sort(),
  )
  for (const [id, [answer, ...more]] of answers) {
    expect(more, id).toEqual([])
    const i = Number(id.split('-').at(-1))
    if (answer!.type === 'PartsReserved')
      expect(
        sumBy(
          answer!.data.lines!,
          (l) => l.partNumber,
          (l) => l.quantity,
        ),
      ).toEqual(new Map(wanted(i).map((w) => [w.partNumber, w.quantity])))
    else expect(answer!.type).toBe('PartsUnavailable')
  }
  // No lot holds more than it has, and what the lots hold is what the answers say they reserved.
  const heldPerLot = sumBy(
    reservedLines,
    (l) => l.lotId,
    (l) => l.quantity,
  )
  for (const lot of stock) {
    expect(lot.reserved + lot.taken).toBeLessThanOrEqual(lot.quantity)
    expect(lot.reserved).toBe(heldPerLot.get(lot.lotId) ?? 0)
  }
  // Nothing was refused that the stock could have served: every shortage asked more than is left now.
  const left = stock.reduce((sum, lot) => sum + lot.quantity - lot.reserved, 0)
  for (const [answer] of answers.values())
    for (const shortage of answer!.data.shortages ?? [])
      if (shortage.partNumber === PART) expect(shortage.requested).toBeGreaterThan(left)

  // The customers answer: approvals, rejections and expiries, some twice, some changing their mind.
  const reservedIds = [...answers].filter(([, [a]]) => a!.type === 'PartsReserved').map(([id]) => id)
  expect(reservedIds.length).toBeGreaterThan(0)
  const replies: RepairsEvent[] = [...answers.keys()].map((id, n) => {
    const i = Number(id.split('-').at(-1))
    return [approved, rejected, expired][n % 3]!(repairId(i), id)
  })
  const published: Envelope[] = []
  for (let n = 0; n < replies.length; n += 3)
    published.push(...(await repairs.publish(...replies.slice(n, n + 3))))
  await repairs.publishAgain(published.slice(0, 4))
  await repairs.publish(
    ...replies.slice(0, 6).map((reply) => rejected(reply.data.repairId, reply.data.proposalId)),
  )
  await repairs.consumedBy(db, 20_000)

  const settled = answersBy(await reservationEvents(db))
  const firstReply = new Map(replies.map((reply) => [reply.data.proposalId, reply.type]))
  const committedLines: AllocatedLine[] = []
  for (const [id, [answer, ...after]] of settled) {
    if (answer!.type === 'PartsUnavailable') {
      expect(after, id).toEqual([])
      continue
    }
    // The first reply decides; later ones change nothing.
    expect(
      after.map((e) => e.type),
      id,
    ).toEqual([firstReply.get(id) === 'RepairApproved' ? 'ReservationCommitted' : 'ReservationReleased'])
    if (after[0]!.type === 'ReservationCommitted') committedLines.push(...after[0]!.data.lines!)
  }
  const takenPerLot = sumBy(
    committedLines,
    (l) => l.lotId,
    (l) => l.quantity,
  )
  for (const lot of await db.select().from(lots)) {
    expect(lot.reserved).toBe(0)
    expect(lot.taken).toBe(takenPerLot.get(lot.lotId) ?? 0)
  }
  const shown = (await (await consumers[0]!.get(`/api/parts/${PART}`)).json()) as { onHand: number }
  expect(shown.onHand).toBe(12 - committedLines.reduce((sum, l) => sum + l.quantity, 0))
  expect(await (await consumers[1]!.get('/api/parts/dead-letters')).json()).toMatchObject({ letters: [] })
}, 60_000)

it('refuses the batch of a consumer that decided on stock another consumer has reserved since', async () => {
  // Two consumers of the group on one database, each answering a proposal before either has committed:
  // both see the 3 items of the lot, and each takes 2.
  const { db } = await tempDatabase('parts')
  await db.insert(parts).values({ partNumber: PART, name: 'Brake pads', unitPriceCents: 1250 })
  await db
    .insert(lots)
    .values({ lotId: 'lot-1', partNumber: PART, receivedAt: '2026-12-01T08:00:00.000Z', quantity: 3 })
  const consumer = () =>
    reservationsConsumer({ db, outbox: createOutbox(db, () => {}), clock: systemClock, newId: newUuidV7 })
  const [first, second] = [consumer(), consumer()]
  const proposal = (i: number) =>
    toEnvelopes([proposed(repairId(i), proposalId(i), [{ partNumber: PART, quantity: 2 }])], {
      stream: repairId(i),
      after: 0,
      metadata: { correlationId: 'stale-read', causationId: 'stale-read', actor: 'mechanic:stale-read' },
      clock: systemClock,
      newId: newUuidV7,
    })[0]!
  const firstBatch = await first(proposal(1))
  const staleBatch = await second(proposal(2))

  await commitWrites(db, firstBatch)
  const refusal = await commitWrites(db, staleBatch).catch((error: unknown) => error)

  expect(isConstraintViolation(refusal)).toBe(true)
  expect(String(refusal)).toContain('lots_never_oversold')
  expect(await db.select().from(lots)).toMatchObject([{ lotId: 'lot-1', reserved: 2, taken: 0 }])
  // Applied again, as the group does with an event whose batch failed, it is decided on the stock as it is now.
  await commitWrites(db, await second(proposal(2)))
  const answers = answersBy(await reservationEvents(db))
  expect(answers.get(proposalId(2))).toMatchObject([
    { type: 'PartsUnavailable', data: { shortages: [{ partNumber: PART, requested: 2, available: 1 }] } },
  ])
  expect(await db.select().from(lots)).toMatchObject([{ lotId: 'lot-1', reserved: 2, taken: 0 }])
})
