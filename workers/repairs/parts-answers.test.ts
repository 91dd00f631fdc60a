import { and, count, eq, inArray } from 'drizzle-orm'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { serviceStream } from '../../shared/bus/bus.ts'
import type { TestHost } from '../../shared/host/node/test-host.ts'
import { REPAIRS_GROUP } from './consumer.ts'
import { events, inbox, outbox } from './schema.ts'
import {
  partsProducer,
  partsReserved,
  partsUnavailable,
  planJob,
  registerCustomer,
  repairOf,
  startRepair,
  untilStatus,
  startRepairsHost,
  waitLong,
  type PartsProducer,
} from './testing.ts'

// The parts service's answers reach repairs through its stream, at least once: the same event delivered
// again, the same answer published twice, answers to a proposal no longer awaiting them. Each changes
// the repair once at most, and none is left pending or dead-lettered.

let host: TestHost
let parts: PartsProducer
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')
const ann = { customerId: 'ann', licenseNumber: 'AN-12-NA' }

beforeAll(async () => {
  host = await startRepairsHost()
  parts = await partsProducer(host)
  await registerCustomer(host, ann.customerId, ann.licenseNumber)
}, 60_000)
afterAll(async () => {
  await parts?.close()
  await host?.cleanup()
  redis.disconnect()
})

let days = 0
async function awaitingParts(name: string) {
  const jobId = `job-${name}`
  await planJob(host, { jobId, date: `2027-02-${String(++days).padStart(2, '0')}`, ...ann })
  const repairId = `repair-${name}`
  await startRepair(host, repairId, jobId)
  const proposalId = `p-${name}`
  const body = {
    proposalId,
    description: 'Brake pads',
    labourHours: 1,
    parts: [{ partNumber: 'BP-1044', quantity: 2 }],
  }
  expect((await host.post(`/api/repairs/${repairId}/proposals`, body)).status).toBe(202)
  return { repairId, proposalId }
}
const reservedFor = (repairId: string, proposalId: string, unitPriceCents = 1250) =>
  partsReserved(repairId, proposalId, [{ partNumber: 'BP-1044', quantity: 2, unitPriceCents }])

/** Waits until the repairs group has applied these events (they are in its inbox). */
async function untilApplied(ids: string[]) {
  await vi.waitFor(async () => {
    const [row] = await host
      .db('repairs')
      .select({ n: count() })
      .from(inbox)
      .where(and(eq(inbox.consumerGroup, REPAIRS_GROUP), inArray(inbox.eventId, ids)))
    expect(row!.n).toBe(ids.length)
  }, waitLong)
}
const written = async () => ({
  events: (await host.db('repairs').select({ n: count() }).from(events))[0]!.n,
  outbox: (await host.db('repairs').select({ n: count() }).from(outbox))[0]!.n,
})
const typesOf = async (repairId: string) => (await repairOf(host, repairId)).timeline.map((e) => e.type)
const partsStream = () => serviceStream(host.config.streamPrefix, 'parts')

/** Nothing of the parts stream is left pending for the group, and nothing was dead-lettered. */
async function expectAllAcknowledged() {
  await vi.waitFor(async () => {
    const [pending] = (await redis.xpending(partsStream(), REPAIRS_GROUP)) as [number]
    expect(pending).toBe(0)
  }, waitLong)
  const letters = (await (await host.get('/api/repairs/dead-letters')).json()) as { letters: unknown[] }
  expect(letters.letters).toEqual([])
}

describe('answers of the parts service', () => {
  it('records the same answer published twice (two events) once, also when both come in one batch', async () => {
    const { repairId, proposalId } = await awaitingParts('twice')
    const published = await parts.publish(
      reservedFor(repairId, proposalId),
      reservedFor(repairId, proposalId, 999),
    )
    await untilApplied(published.map((e) => e.id))

    expect(await typesOf(repairId)).toEqual([
      'RepairStarted',
      'ExtraWorkProposed',
      'CustomerApprovalRequested',
    ])
    // The first answer's price stands.
    expect((await repairOf(host, repairId)).proposals[0]).toMatchObject({ price: { total: '43.50' } })
    await expectAllAcknowledged()
  })

  it('changes nothing on an answer to a proposal that has had its answer, whatever it says', async () => {
    const { repairId, proposalId } = await awaitingParts('stale')
    await parts.publish(reservedFor(repairId, proposalId))
    await untilStatus(host, repairId, 'awaiting-approval')
    const before = await written()

    const stale = await parts.publish(
      partsUnavailable(repairId, proposalId, [{ partNumber: 'BP-1044', requested: 2, available: 0 }]),
      reservedFor(repairId, proposalId),
    )
    await untilApplied(stale.map((e) => e.id))

    expect(await written()).toEqual(before)
    expect((await repairOf(host, repairId)).status).toBe('awaiting-approval')
    await expectAllAcknowledged()
  })

  it('changes nothing on an answer to a proposal or repair it does not know', async () => {
    const { repairId } = await awaitingParts('unknown')
    const before = await written()
    const strays = await parts.publish(
      reservedFor(repairId, 'p-never-made'),
      reservedFor('no-such-repair', 'p-x'),
    )
    await untilApplied(strays.map((e) => e.id))

    expect(await written()).toEqual(before)
    expect((await repairOf(host, repairId)).status).toBe('awaiting-parts')
    expect((await host.get('/api/repairs/no-such-repair')).status).toBe(404)
    await expectAllAcknowledged()
  })

  it('changes nothing when the stream delivers every answer again (the group moved back)', async () => {
    const { repairId, proposalId } = await awaitingParts('redelivered')
    const [answer] = await parts.publish(reservedFor(repairId, proposalId))
    await untilApplied([answer!.id])
    await untilStatus(host, repairId, 'awaiting-approval')
    const before = await written()
    const lastDelivered = async () => {
      const groups = (await redis.xinfo('GROUPS', partsStream())) as unknown[][]
      const group = groups.find((g) => g[g.indexOf('name') + 1] === REPAIRS_GROUP)!
      return group[group.indexOf('last-delivered-id') + 1]
    }
    const [lastEntry] = (await redis.xrevrange(partsStream(), '+', '-', 'COUNT', 1)).map(([id]) => id)

    await redis.xgroup('SETID', partsStream(), REPAIRS_GROUP, '0')
    // Every entry of the stream is delivered to the group again, up to the last.
    await vi.waitFor(async () => expect(await lastDelivered()).toBe(lastEntry), waitLong)
    await expectAllAcknowledged()

    expect(await written()).toEqual(before)
    expect(await typesOf(repairId)).toEqual([
      'RepairStarted',
      'ExtraWorkProposed',
      'CustomerApprovalRequested',
    ])
  })
})
