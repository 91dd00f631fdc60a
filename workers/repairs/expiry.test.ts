import { and, eq } from 'drizzle-orm'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { testClock } from '../../shared/testing/events.ts'
import { events, repairs } from './schema.ts'
import {
  partsProducer,
  partsReserved,
  planJob,
  registerCustomer,
  repairOf,
  startRepair,
  startRepairsHost,
  untilStatus,
  waitLong,
  type PartsProducer,
} from './testing.ts'

// Approvals that run out of time, by a clock the test moves: the manual clock of the host (CLOCK=manual,
// moved through the clock service, which ticks the services at once), or a clock of the test's own that
// no tick notices, to see what a request finds before the tick has run.

const ann = { customerId: 'ann', licenseNumber: 'AN-12-NA' }
const HOUR = 3_600_000

/** Ann registered with the host, and the parts service's answers published to its streams. */
async function prepare(host: TestHost) {
  await registerCustomer(host, ann.customerId, ann.licenseNumber)
  const parts = await partsProducer(host)
  onTestFinished(parts.close)
  return parts
}

/** A repair of a new job whose proposal awaits ann's approval; its `expiresAt`. */
async function awaitingApproval(host: TestHost, parts: PartsProducer, name: string, date: string) {
  await planJob(host, { jobId: `job-${name}`, date, ...ann })
  const repairId = `repair-${name}`
  await startRepair(host, repairId, `job-${name}`)
  const proposal = { proposalId: `p-${name}`, description: 'Brake pads', labourHours: 1, parts: [] }
  expect((await host.post(`/api/repairs/${repairId}/proposals`, proposal)).status).toBe(202)
  await parts.publish(partsReserved(repairId, `p-${name}`, []))
  await untilStatus(host, repairId, 'awaiting-approval')
  const expiresAt = (await repairOf(host, repairId)).proposals[0]!.expiresAt as string
  return { repairId, expiresAt, proposalId: `p-${name}` }
}

const customer = async (host: TestHost) => ({
  authorization: `Bearer ${await host.tokenFor({ role: 'customer', customerId: ann.customerId })}`,
})
const expiries = async (host: TestHost, repairId: string) =>
  host
    .db('repairs')
    .select()
    .from(events)
    .where(and(eq(events.streamId, repairId), eq(events.type, 'ApprovalExpired')))
const at = (time: string, plusMs: number) => new Date(Date.parse(time) + plusMs).toISOString()
const settle = () => new Promise((resolve) => setTimeout(resolve, 300))

describe('with CLOCK=manual, moved through the clock service', () => {
  it('records ApprovalExpired once when the clock reaches expiresAt, not one ms before; the customer is then refused', async () => {
    const host = await startRepairsHost({
      services: ['clock', 'customers', 'vehicles', 'workshop', 'repairs'],
      clock: 'manual',
    })
    onTestFinished(host.cleanup)
    const parts = await prepare(host)
    const { repairId, expiresAt, proposalId } = await awaitingApproval(host, parts, 'manual', '2026-12-07')
    const advance = async (to: string) =>
      expect((await host.post('/api/clock/advance', { to })).status).toBe(200)

    await advance(at(expiresAt, -1))
    await settle()
    expect(await expiries(host, repairId)).toEqual([])
    expect((await repairOf(host, repairId)).status).toBe('awaiting-approval')

    await advance(expiresAt)
    await vi.waitFor(async () => expect(await expiries(host, repairId)).toHaveLength(1), waitLong)
    const repair = await repairOf(host, repairId)
    expect(repair.status).toBe('in-progress')
    expect(repair.proposals[0]).toMatchObject({ status: 'expired' })
    expect(repair.timeline.at(-1)).toMatchObject({
      type: 'ApprovalExpired',
      actor: 'repairs',
      occurredAt: expiresAt,
    })
    const [row] = await host.db('repairs').select().from(repairs).where(eq(repairs.repairId, repairId))
    expect(row).toMatchObject({ status: 'in-progress', expiresAt: null })

    const late = await host.post(`/api/repairs/${repairId}/approve`, { proposalId }, await customer(host))
    expect(late.status).toBe(409)
    expect(await late.json()).toMatchObject({ type: 'urn:pitstop:rule:approval-expired' })

    await advance(at(expiresAt, HOUR))
    await settle()
    expect(await expiries(host, repairId)).toHaveLength(1)
  })
})

describe('an answer that comes when the clock has passed expiresAt, before any tick noticed', () => {
  it('records ApprovalExpired by the request and answers 409 approval-expired, at expiresAt exactly; one ms before is approved', async () => {
    const clock = testClock('2027-03-01T08:00:00.000Z')
    const host = await startRepairsHost({}, { clock })
    onTestFinished(host.cleanup)
    const parts = await prepare(host)
    const late = await awaitingApproval(host, parts, 'late', '2027-03-01')
    const inTime = await awaitingApproval(host, parts, 'in-time', '2027-03-02')
    const rejectedLate = await awaitingApproval(host, parts, 'rejected-late', '2027-03-03')

    clock.set(at(inTime.expiresAt, -1))
    expect(
      (
        await host.post(
          `/api/repairs/${inTime.repairId}/approve`,
          { proposalId: inTime.proposalId },
          await customer(host),
        )
      ).status,
    ).toBe(200)

    clock.set(late.expiresAt)
    const approval = await host.post(
      `/api/repairs/${late.repairId}/approve`,
      { proposalId: late.proposalId },
      await customer(host),
    )
    expect(approval.status).toBe(409)
    expect(await approval.json()).toMatchObject({ type: 'urn:pitstop:rule:approval-expired' })
    const rejection = await host.post(
      `/api/repairs/${rejectedLate.repairId}/reject`,
      { proposalId: rejectedLate.proposalId, reason: 'Too late anyway' },
      await customer(host),
    )
    expect(rejection.status).toBe(409)
    expect(await rejection.json()).toMatchObject({ type: 'urn:pitstop:rule:approval-expired' })

    for (const { repairId } of [late, rejectedLate]) {
      const repair = await repairOf(host, repairId)
      expect(repair.status).toBe('in-progress')
      expect(repair.timeline.map((e) => e.type).at(-1)).toBe('ApprovalExpired')
      expect(repair.timeline.at(-1)!.actor).toBe('customer:ann')
    }
    // Again: the expiry is recorded, and said.
    const again = await host.post(
      `/api/repairs/${late.repairId}/approve`,
      { proposalId: late.proposalId },
      await customer(host),
    )
    expect(await again.json()).toMatchObject({ type: 'urn:pitstop:rule:approval-expired' })
    expect(await expiries(host, late.repairId)).toHaveLength(1)
  })

  it('refuses completion at the very time the repair started (complete-after-start); a ms later completes it', async () => {
    const clock = testClock('2027-04-01T08:00:00.000Z')
    const host = await startRepairsHost({}, { clock })
    onTestFinished(host.cleanup)
    await registerCustomer(host, ann.customerId, ann.licenseNumber)
    await planJob(host, { jobId: 'job-still', date: '2027-04-01', ...ann })
    const started = await startRepair(host, 'repair-still', 'job-still')

    const refused = await host.post('/api/repairs/repair-still/complete', {})
    expect(refused.status).toBe(409)
    expect(await refused.json()).toMatchObject({ type: 'urn:pitstop:rule:complete-after-start' })
    expect((await repairOf(host, 'repair-still')).status).toBe('in-progress')

    clock.set(at(started.startedAt as string, 1))
    const completed = await host.post('/api/repairs/repair-still/complete', {})
    expect(completed.status).toBe(200)
    expect(await completed.json()).toMatchObject({
      status: 'completed',
      completedAt: at(started.startedAt as string, 1),
    })
  })
})

describe('the tick on two hosts sharing one database', () => {
  it('records each expiry once however many ticks run at once, and names the next expiry as when it is due', async () => {
    const clock = testClock('2027-05-01T08:00:00.000Z')
    const first = await startRepairsHost({}, { clock })
    onTestFinished(first.cleanup)
    // A second process's services on the same data and streams (SERVICES=repairs, scale-out).
    const second = await startTestHost(
      { services: ['repairs'], dataDir: first.config.dataDir, streamPrefix: first.config.streamPrefix },
      { clock },
    )
    onTestFinished(second.stop)
    const tickOf = (host: TestHost) => host.running.services.find((s) => s.name === 'repairs')!.tick!
    const parts = await prepare(first)
    const sooner = await awaitingApproval(first, parts, 'sooner', '2027-05-01')
    clock.set(at(sooner.expiresAt, -HOUR))
    const later = await awaitingApproval(first, parts, 'later', '2027-05-02')

    expect(await tickOf(second)()).toEqual(new Date(sooner.expiresAt))

    clock.set(sooner.expiresAt)
    const answers = await Promise.all([1, 2, 3].flatMap(() => [tickOf(first)(), tickOf(second)()]))

    expect(await expiries(first, sooner.repairId)).toHaveLength(1)
    expect(await expiries(first, later.repairId)).toHaveLength(0)
    for (const due of answers) expect(due).toEqual(new Date(later.expiresAt))
    expect((await repairOf(second, sooner.repairId)).status).toBe('in-progress')
    expect((await repairOf(second, later.repairId)).status).toBe('awaiting-approval')
  })
})
