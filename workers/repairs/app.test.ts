import { and, count, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { TestHost } from '../../shared/host/node/test-host.ts'
import { events, kernelRequests, outbox, proposalIds, repairs } from './schema.ts'
import {
  partsProducer,
  partsReserved,
  partsUnavailable,
  planJob,
  registerCustomer,
  repairOf,
  startRepair,
  startRepairsHost,
  untilStatus,
  waitLong,
  type PartsProducer,
} from './testing.ts'

// The repairs API over real HTTP on the Node host, with the workshop planning the jobs and a parts
// producer publishing the parts service's answers (see testing.ts).

let host: TestHost
let parts: PartsProducer
const ann = { customerId: 'ann', licenseNumber: 'AN-12-NA' }
const bob = { customerId: 'bob', licenseNumber: 'BO-34-OB' }

beforeAll(async () => {
  host = await startRepairsHost()
  parts = await partsProducer(host)
  await registerCustomer(host, ann.customerId, ann.licenseNumber)
  await registerCustomer(host, bob.customerId, bob.licenseNumber)
}, 60_000)
afterAll(async () => {
  await parts?.close()
  await host?.cleanup()
})

let days = 0
/** A job of its own on a day of its own, and the repair of it started. */
async function newRepair(name: string, who = ann) {
  const jobId = `job-${name}`
  const date = new Date(Date.UTC(2027, 0, ++days)).toISOString().slice(0, 10)
  await planJob(host, { jobId, date, ...who })
  const repairId = `repair-${name}`
  await startRepair(host, repairId, jobId)
  return { repairId, jobId, date }
}

const work = (overrides: Record<string, unknown> = {}) => ({
  description: 'Replace the brake pads',
  labourHours: 1.5,
  parts: [{ partNumber: 'BP-1044', quantity: 2 }],
  ...overrides,
})
const propose = (repairId: string, body: unknown, headers?: Record<string, string>) =>
  host.post(`/api/repairs/${repairId}/proposals`, body, headers)

/** A repair whose proposal `proposalId` awaits the customer, the parts reserved at 12.50 each. */
async function awaitingApproval(name: string, who = ann) {
  const repair = await newRepair(name, who)
  const proposalId = `proposal-${name}`
  expect((await propose(repair.repairId, work({ proposalId }))).status).toBe(202)
  await parts.publish(
    partsReserved(repair.repairId, proposalId, [
      { partNumber: 'BP-1044', quantity: 2, unitPriceCents: 1250 },
    ]),
  )
  await untilStatus(host, repair.repairId, 'awaiting-approval')
  return { ...repair, proposalId }
}

const as = async (who: { customerId: string }) => ({
  authorization: `Bearer ${await host.tokenFor({ role: 'customer', customerId: who.customerId })}`,
})
/** The proposal a customer's page would show: the repair's last, as staff read it. */
const shownProposal = async (repairId: string) => {
  const repair = (await (await host.get(`/api/repairs/${repairId}`)).json()) as {
    proposals?: { proposalId: string }[]
  }
  return repair.proposals?.at(-1)?.proposalId ?? 'none'
}
const approve = async (repairId: string, who = ann, proposalId?: string) =>
  host.post(
    `/api/repairs/${repairId}/approve`,
    { proposalId: proposalId ?? (await shownProposal(repairId)) },
    await as(who),
  )
/** Rejects the shown proposal, unless the body names one (or is no object, to see it refused). */
const reject = async (repairId: string, body: unknown, who = ann) =>
  host.post(
    `/api/repairs/${repairId}/reject`,
    body !== null && typeof body === 'object' && !Array.isArray(body)
      ? { proposalId: await shownProposal(repairId), ...body }
      : body,
    await as(who),
  )
const complete = (repairId: string) => host.post(`/api/repairs/${repairId}/complete`, {})

/** The answer is a problem with this status, naming this rule. */
async function expectRule(res: Response, status: number, rule: string) {
  expect(res.status).toBe(status)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  expect(await res.json()).toMatchObject({ status, type: `urn:pitstop:rule:${rule}` })
}
/** The answer is 400 naming these fields. */
async function expectBadInput(res: Response, fields: string[]) {
  expect(res.status).toBe(400)
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  const problem = (await res.json()) as { errors: { field: string }[] }
  expect(problem.errors.map((e) => e.field)).toEqual(fields)
}

/** Everything repairs writes, counted: a refusal changes none of it. */
const written = async () => {
  const db = host.db('repairs')
  const n = async (
    table: typeof events | typeof outbox | typeof repairs | typeof proposalIds | typeof kernelRequests,
  ) => (await db.select({ n: count() }).from(table))[0]!.n
  return {
    events: await n(events),
    outbox: await n(outbox),
    repairs: await n(repairs),
    proposals: await n(proposalIds),
    answers: await n(kernelRequests),
  }
}
const types = async (repairId: string) => (await repairOf(host, repairId)).timeline.map((e) => e.type)

describe('POST /api/repairs', () => {
  it('starts a repair of a planned job: 201 with the repair, RepairStarted by the caller', async () => {
    const date = '2026-12-20'
    await planJob(host, { jobId: 'job-start', date, ...ann })
    const body = await startRepair(host, 'repair-start', 'job-start')

    expect(body).toMatchObject({
      repairId: 'repair-start',
      jobId: 'job-start',
      planningDate: date,
      customerId: 'ann',
      licenseNumber: 'AN-12-NA',
      status: 'in-progress',
      proposals: [],
    })
    const repair = await repairOf(host, 'repair-start')
    expect(repair.timeline).toEqual([
      {
        type: 'RepairStarted',
        occurredAt: body.startedAt,
        actor: 'staff:manager@pitstop.local',
        data: {
          repairId: 'repair-start',
          jobId: 'job-start',
          planningDate: date,
          customerId: 'ann',
          licenseNumber: 'AN-12-NA',
        },
      },
    ])
  })

  it('answers an exact repeat like the first, and refuses the id for another job (repair-id-unique)', async () => {
    const { repairId, jobId } = await newRepair('repeat')
    const first = await repairOf(host, repairId)
    const before = await written()

    const repeat = await host.post('/api/repairs', { repairId, jobId })
    expect(repeat.status).toBe(201)
    expect(repeat.headers.get('idempotent-replayed')).toBe('true')
    expect(repeat.headers.get('location')).toBe(`/api/repairs/${repairId}`)
    expect(await repeat.json()).toMatchObject({ repairId, jobId, startedAt: first.startedAt })

    await planJob(host, { jobId: 'job-other', date: '2026-12-21', ...ann })
    await vi.waitFor(async () => {
      const other = await host.post('/api/repairs', { repairId, jobId: 'job-other' })
      expect(other.status).not.toBe(422)
      await expectRule(other, 409, 'repair-id-unique')
    }, waitLong)
    expect(await written()).toEqual(before)
  })

  it('generates the id when absent; a repeat under the same Idempotency-Key gets the same repair', async () => {
    await planJob(host, { jobId: 'job-keyed', date: '2026-12-22', ...ann })
    const key = { 'idempotency-key': 'start-keyed-1' }
    let first: Response | undefined
    await vi.waitFor(async () => {
      first = await host.post('/api/repairs', { jobId: 'job-keyed' }, key)
      expect(first.status).toBe(201)
    }, waitLong)
    const body = (await first!.json()) as { repairId: string }
    expect(body.repairId).toMatch(/^[0-9a-f-]{36}$/)
    const before = await written()

    const repeat = await host.post('/api/repairs', { jobId: 'job-keyed' }, key)

    expect(repeat.status).toBe(201)
    expect(await repeat.json()).toEqual(body)
    expect(await written()).toEqual(before)
  })

  it('refuses a second repair of a job (one-repair-per-job), and writes nothing', async () => {
    const { jobId } = await newRepair('twice')
    const before = await written()
    await expectRule(
      await host.post('/api/repairs', { repairId: 'repair-twice-2', jobId }),
      409,
      'one-repair-per-job',
    )
    await expectRule(await host.post('/api/repairs', { jobId }), 409, 'one-repair-per-job')
    expect(await written()).toEqual(before)
    expect((await host.get('/api/repairs/repair-twice-2')).status).toBe(404)
  })

  it('refuses a job it does not know with 422 unknown-job, and writes nothing', async () => {
    const before = await written()
    await expectRule(
      await host.post('/api/repairs', { repairId: 'repair-nojob', jobId: 'no-such-job' }),
      422,
      'unknown-job',
    )
    expect(await written()).toEqual(before)
  })

  it('refuses a finished job (job-not-finished)', async () => {
    const date = '2026-12-23'
    await planJob(host, { jobId: 'job-done', date, ...ann })
    const finished = await host.put(`/api/workshop/planning/${date}/jobs/job-done/finish`, {
      startTime: `${date}T09:00:00.000Z`,
      endTime: `${date}T09:30:00.000Z`,
      notes: 'Done',
    })
    expect(finished.status).toBe(200)
    await vi.waitFor(async () => {
      const res = await host.post('/api/repairs', { repairId: 'repair-done', jobId: 'job-done' })
      expect(res.status).not.toBe(201)
      await expectRule(res, 409, 'job-not-finished')
    }, waitLong)
    expect((await host.get('/api/repairs/repair-done')).status).toBe(404)
  })

  it.each([
    ['no job id', { repairId: 'r-bad-1' }, ['/jobId']],
    ['a job id with a slash', { repairId: 'r-bad-2', jobId: 'a/b' }, ['/jobId']],
    ['a repair id too long', { repairId: 'r'.repeat(65), jobId: 'job-start' }, ['/repairId']],
    [
      'the repair id of the dead letters’ address',
      { repairId: 'dead-letters', jobId: 'job-start' },
      ['/repairId'],
    ],
    ['a body that is an array', [], ['/']],
  ])('refuses %s with 400 naming the field, and writes nothing', async (_, body, fields) => {
    const before = await written()
    await expectBadInput(await host.post('/api/repairs', body), fields)
    expect(await written()).toEqual(before)
  })

  it('refuses a malformed Idempotency-Key with 400', async () => {
    await expectBadInput(
      await host.post('/api/repairs', { jobId: 'job-start' }, { 'idempotency-key': 'a b' }),
      ['/header/idempotency-key'],
    )
  })
})

describe('POST /api/repairs/{repairId}/proposals', () => {
  it('accepts extra work (202, awaiting the parts), then asks the customer with the price of the reserved parts', async () => {
    const { repairId } = await newRepair('priced')
    const res = await propose(repairId, work({ proposalId: 'p-priced', labourHours: 1.25 }))
    expect(res.status).toBe(202)
    expect(await res.json()).toMatchObject({
      status: 'awaiting-parts',
      proposals: [{ proposalId: 'p-priced', status: 'awaiting-parts', labourHours: 1.25 }],
    })

    // Two lots of the same part, and another part: one line per part number.
    await parts.publish(
      partsReserved(repairId, 'p-priced', [
        { partNumber: 'BP-1044', quantity: 1, unitPriceCents: 1250, lotId: 'lot-a' },
        { partNumber: 'BP-1044', quantity: 1, unitPriceCents: 1250, lotId: 'lot-b' },
        { partNumber: 'OF-7', quantity: 3, unitPriceCents: 399 },
      ]),
    )
    await untilStatus(host, repairId, 'awaiting-approval')

    const repair = await repairOf(host, repairId)
    // 1.25 h at 18.50 is 23.125, rounded half up to 23.13.
    const price = {
      labour: { hours: 1.25, hourlyRate: '18.50', amount: '23.13' },
      parts: [
        { partNumber: 'BP-1044', quantity: 2, unitPrice: '12.50', amount: '25.00' },
        { partNumber: 'OF-7', quantity: 3, unitPrice: '3.99', amount: '11.97' },
      ],
      total: '60.10',
    }
    expect(repair.proposals).toEqual([
      expect.objectContaining({ proposalId: 'p-priced', status: 'awaiting-approval', price }),
    ])
    const requested = repair.timeline.at(-1)!
    expect(requested).toMatchObject({ type: 'CustomerApprovalRequested', actor: 'repairs' })
    expect(requested.data).toMatchObject({ proposalId: 'p-priced', customerId: 'ann', price })
    // Events keep cents.
    const [stored] = await host
      .db('repairs')
      .select()
      .from(events)
      .where(and(eq(events.type, 'CustomerApprovalRequested'), eq(events.streamId, repairId)))
    expect(JSON.parse(stored!.envelope).data.price.totalCents).toBe(6010)
    // 24 hours to answer (APPROVAL_TIMEOUT's default).
    expect(Date.parse(requested.data.expiresAt as string) - Date.parse(requested.occurredAt)).toBe(86_400_000)
    const [row] = await host.db('repairs').select().from(repairs).where(eq(repairs.repairId, repairId))
    expect(row).toMatchObject({ status: 'awaiting-approval', expiresAt: requested.data.expiresAt })
  })

  it('records the parts that were short as the proposal failing, and takes the next proposal', async () => {
    const { repairId } = await newRepair('short')
    expect((await propose(repairId, work({ proposalId: 'p-short' }))).status).toBe(202)
    const shortages = [{ partNumber: 'BP-1044', requested: 2, available: 1 }]
    await parts.publish(partsUnavailable(repairId, 'p-short', shortages))
    await untilStatus(host, repairId, 'in-progress')

    const repair = await repairOf(host, repairId)
    expect(repair.proposals).toEqual([
      expect.objectContaining({ proposalId: 'p-short', status: 'failed', shortages }),
    ])
    expect(repair.timeline.at(-1)).toMatchObject({
      type: 'ProposalFailed',
      data: { repairId, proposalId: 'p-short', shortages },
    })
    expect((await propose(repairId, work({ proposalId: 'p-short-2' }))).status).toBe(202)
  })

  it('takes one proposal at a time: refused while one awaits the parts, and while one awaits the customer', async () => {
    const { repairId } = await newRepair('one-at-a-time')
    expect((await propose(repairId, work({ proposalId: 'p-first' }))).status).toBe(202)
    const before = await written()
    await expectRule(await propose(repairId, work({ proposalId: 'p-second' })), 409, 'one-proposal-at-a-time')
    await expectRule(await propose(repairId, work()), 409, 'one-proposal-at-a-time')
    expect(await written()).toEqual(before)

    await parts.publish(
      partsReserved(repairId, 'p-first', [{ partNumber: 'BP-1044', quantity: 2, unitPriceCents: 1250 }]),
    )
    await untilStatus(host, repairId, 'awaiting-approval')
    await expectRule(await propose(repairId, work({ proposalId: 'p-second' })), 409, 'one-proposal-at-a-time')
    expect(await types(repairId)).toEqual(['RepairStarted', 'ExtraWorkProposed', 'CustomerApprovalRequested'])
  })

  it('answers an exact repeat like the first; a proposal id is one proposal across repairs (proposal-id-unique)', async () => {
    const { repairId } = await newRepair('proposal-repeat')
    const first = await propose(repairId, work({ proposalId: 'p-repeat' }))
    const firstBody = await first.json()
    const before = await written()

    const repeat = await propose(repairId, work({ proposalId: 'p-repeat' }))
    expect(repeat.status).toBe(202)
    expect(await repeat.json()).toEqual(firstBody)
    expect(await written()).toEqual(before)

    const other = await newRepair('proposal-other')
    const beforeOther = await written()
    await expectRule(
      await propose(other.repairId, work({ proposalId: 'p-repeat' })),
      409,
      'proposal-id-unique',
    )
    expect(await written()).toEqual(beforeOther)
  })

  it('generates the proposal id when absent, keyed by Idempotency-Key', async () => {
    const { repairId } = await newRepair('proposal-keyed')
    const key = { 'idempotency-key': 'propose-1' }
    const first = await propose(repairId, work(), key)
    expect(first.status).toBe(202)
    const body = (await first.json()) as { proposals: { proposalId: string }[] }
    expect(body.proposals[0]!.proposalId).toMatch(/^[0-9a-f-]{36}$/)
    const repeat = await propose(repairId, work(), key)
    expect(repeat.status).toBe(202)
    expect(await repeat.json()).toEqual(body)
    expect(await types(repairId)).toEqual(['RepairStarted', 'ExtraWorkProposed'])
  })

  it('is 404 for a repair that does not exist, and 409 (repair-already-completed) for a completed one', async () => {
    expect((await propose('no-such-repair', work())).status).toBe(404)
    const { repairId } = await newRepair('proposal-completed')
    expect((await complete(repairId)).status).toBe(200)
    await expectRule(await propose(repairId, work()), 409, 'repair-already-completed')
  })

  it.each([
    ['hours with three decimals', work({ labourHours: 1.234 }), ['/labourHours']],
    ['no hours', work({ labourHours: 0 }), ['/labourHours']],
    ['hours as text', work({ labourHours: '2' }), ['/labourHours']],
    ['an empty description', work({ description: '  ' }), ['/description']],
    [
      'a part twice',
      work({
        parts: [
          { partNumber: 'A-1', quantity: 1 },
          { partNumber: 'a-1', quantity: 2 },
        ],
      }),
      ['/parts'],
    ],
    ['a quantity of 0', work({ parts: [{ partNumber: 'A-1', quantity: 0 }] }), ['/parts/0/quantity']],
    [
      'a malformed part number',
      work({ parts: [{ partNumber: 'A 1', quantity: 1 }] }),
      ['/parts/0/partNumber'],
    ],
    ['a malformed proposal id', work({ proposalId: 'p/1' }), ['/proposalId']],
  ])('refuses %s with 400 naming the field, and writes nothing', async (_, body, fields) => {
    const { repairId } = await newRepair(`bad-proposal-${fields[0]!.replaceAll('/', '')}-${days}`)
    const before = await written()
    await expectBadInput(await propose(repairId, body), fields)
    expect(await written()).toEqual(before)
    expect(await types(repairId)).toEqual(['RepairStarted'])
  })

  it('refuses a malformed repair id in the path with 400', async () => {
    await expectBadInput(await propose('a:b c', work()), ['/param/repairId'])
  })
})

describe('the customer answering: approve and reject', () => {
  it("approves their own repair's extra work: 200, RepairApproved by the customer", async () => {
    const { repairId, proposalId } = await awaitingApproval('approved')
    const res = await approve(repairId)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      status: 'in-progress',
      proposals: [{ proposalId, status: 'approved', price: { total: '52.75' } }],
    })
    expect((await repairOf(host, repairId)).timeline.at(-1)).toMatchObject({
      type: 'RepairApproved',
      actor: 'customer:ann',
      data: { repairId, proposalId },
    })
    const [row] = await host.db('repairs').select().from(repairs).where(eq(repairs.repairId, repairId))
    expect(row).toMatchObject({ status: 'in-progress', expiresAt: null })
  })

  it('answers a repeated approval like the first; a rejection after it is refused (approval-not-pending)', async () => {
    const { repairId } = await awaitingApproval('approved-twice')
    const first = await approve(repairId)
    const body = await first.json()
    const before = await written()
    const repeat = await approve(repairId)
    expect(repeat.status).toBe(200)
    expect(await repeat.json()).toEqual(body)
    await expectRule(await reject(repairId, { reason: 'Too expensive' }), 409, 'approval-not-pending')
    expect(await written()).toEqual(before)
  })

  it('answers only the proposal it names: an earlier one is refused (proposal-not-current), a retry after a later proposal replays the first answer', async () => {
    const { repairId, proposalId } = await awaitingApproval('named')
    const first = await approve(repairId, ann, proposalId)
    expect(first.status).toBe(200)
    const answered = await first.json()

    const later = 'proposal-named-later'
    expect((await propose(repairId, work({ proposalId: later }))).status).toBe(202)
    await parts.publish(partsReserved(repairId, later, []))
    await untilStatus(host, repairId, 'awaiting-approval')
    const before = await written()
    // The client retries its first approval: it gets that answer again, and the later proposal stays open.
    const retried = await approve(repairId, ann, proposalId)
    expect(retried.status).toBe(200)
    expect(await retried.json()).toEqual(answered)
    await expectRule(
      await reject(repairId, { proposalId, reason: 'Changed my mind' }),
      409,
      'proposal-not-current',
    )
    await expectRule(await approve(repairId, ann, 'proposal-never-made'), 409, 'proposal-not-current')
    expect(await written()).toEqual(before)
    expect((await repairOf(host, repairId)).status).toBe('awaiting-approval')
  })

  it.each([
    ['no body', undefined, 'missing'],
    ['malformed JSON', '{bad', 'malformed'],
    ['no proposalId', {}, '/proposalId'],
    ['a proposalId that is no id', { proposalId: 'a b' }, '/proposalId'],
  ])('refuses an approval with %s: 400 (%s), nothing written', async (_, body, what) => {
    const { repairId } = await awaitingApproval(`bad-approve-${days + 1}`)
    const before = await written()
    const res = await host.post(`/api/repairs/${repairId}/approve`, body ?? '', await as(ann))
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    if (what.startsWith('/')) expect(JSON.stringify(await res.json())).toContain(what)
    expect(await written()).toEqual(before)
    expect((await repairOf(host, repairId)).status).toBe('awaiting-approval')
  })

  it('rejects with a reason: 200, RepairRejected; an approval after it is refused', async () => {
    const { repairId, proposalId } = await awaitingApproval('rejected')
    const res = await reject(repairId, { reason: 'Too expensive' })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({
      status: 'in-progress',
      proposals: [{ proposalId, status: 'rejected', reason: 'Too expensive' }],
    })
    await expectRule(await approve(repairId), 409, 'approval-not-pending')
    expect(await types(repairId)).toEqual([
      'RepairStarted',
      'ExtraWorkProposed',
      'CustomerApprovalRequested',
      'RepairRejected',
    ])
  })

  it('refuses an answer while nothing awaits the customer (approval-not-pending), also while the parts are awaited', async () => {
    const { repairId } = await newRepair('nothing-pending')
    await expectRule(await approve(repairId), 409, 'approval-not-pending')
    expect((await propose(repairId, work({ proposalId: 'p-nothing' }))).status).toBe(202)
    await expectRule(await approve(repairId), 409, 'approval-not-pending')
    await expectRule(await reject(repairId, { reason: 'No' }), 409, 'approval-not-pending')
    expect(await types(repairId)).toEqual(['RepairStarted', 'ExtraWorkProposed'])
  })

  it("refuses another customer's repair, and one that does not exist, with 403, before reading the body", async () => {
    const { repairId } = await awaitingApproval('not-bobs')
    const before = await written()
    for (const res of [
      await approve(repairId, bob),
      await reject(repairId, { reason: 'Not mine' }, bob),
      await reject(repairId, {}, bob),
      await approve('no-such-repair'),
      await reject('no-such-repair', {}),
    ]) {
      expect(res.status).toBe(403)
      expect(await res.json()).toMatchObject({ type: 'urn:pitstop:problem:forbidden' })
    }
    expect(await written()).toEqual(before)
    expect((await repairOf(host, repairId)).status).toBe('awaiting-approval')
  })

  it.each([
    ['no reason', {}, ['/reason']],
    ['an empty reason', { reason: ' ' }, ['/reason']],
    ['a reason too long', { reason: 'x'.repeat(501) }, ['/reason']],
  ])('refuses a rejection with %s: 400 naming the field, nothing written', async (_, body, fields) => {
    const { repairId } = await awaitingApproval(`bad-reject-${days + 1}`)
    const before = await written()
    await expectBadInput(await reject(repairId, body), fields)
    expect(await written()).toEqual(before)
    expect((await repairOf(host, repairId)).status).toBe('awaiting-approval')
  })
})

describe('POST /api/repairs/{repairId}/complete', () => {
  it('completes a repair: RepairCompleted with the job, its planning date, the start and the completion', async () => {
    const { repairId, jobId, date } = await newRepair('complete')
    const started = await repairOf(host, repairId)
    const res = await complete(repairId)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { status: string; completedAt: string }
    expect(body.status).toBe('completed')
    const completed = (await repairOf(host, repairId)).timeline.at(-1)!
    expect(completed).toMatchObject({
      type: 'RepairCompleted',
      data: {
        repairId,
        jobId,
        planningDate: date,
        startedAt: started.startedAt,
        completedAt: body.completedAt,
      },
    })
    expect(completed.occurredAt).toBe(body.completedAt)
    expect(Date.parse(body.completedAt)).toBeGreaterThan(Date.parse(started.startedAt as string))

    const repeat = await complete(repairId)
    expect(repeat.status).toBe(200)
    expect(repeat.headers.get('idempotent-replayed')).toBe('true')
    expect(await types(repairId)).toEqual(['RepairStarted', 'RepairCompleted'])
  })

  it('refuses while a proposal awaits the parts or the customer (proposal-awaiting-answer), and completes after the answer', async () => {
    const { repairId } = await newRepair('complete-pending')
    expect((await propose(repairId, work({ proposalId: 'p-complete' }))).status).toBe(202)
    const before = await written()
    await expectRule(await complete(repairId), 409, 'proposal-awaiting-answer')
    expect(await written()).toEqual(before)

    await parts.publish(
      partsReserved(repairId, 'p-complete', [{ partNumber: 'BP-1044', quantity: 2, unitPriceCents: 1250 }]),
    )
    await untilStatus(host, repairId, 'awaiting-approval')
    await expectRule(await complete(repairId), 409, 'proposal-awaiting-answer')

    expect((await approve(repairId)).status).toBe(200)
    expect((await complete(repairId)).status).toBe(200)
  })

  it('is 404 for a repair that does not exist', async () => {
    expect((await complete('no-such-repair')).status).toBe(404)
  })
})

describe('GET /api/repairs', () => {
  it('lists repairs by status and by job; refuses a status it does not know with 400', async () => {
    const waiting = await awaitingApproval('listed')
    const list = async (query: string) => {
      const res = await host.get(`/api/repairs${query}`)
      expect(res.status).toBe(200)
      return (await res.json()) as { repairId: string; status: string }[]
    }
    const awaiting = await list('?status=awaiting-approval')
    expect(awaiting.map((r) => r.repairId)).toContain(waiting.repairId)
    expect(awaiting.every((r) => r.status === 'awaiting-approval')).toBe(true)
    expect(await list(`?jobId=${waiting.jobId}`)).toEqual([
      expect.objectContaining({ repairId: waiting.repairId, jobId: waiting.jobId, customerId: 'ann' }),
    ])
    expect(await list(`?jobId=${waiting.jobId}&status=completed`)).toEqual([])
    expect((await list('?limit=1')).length).toBe(1)

    await expectBadInput(await host.get('/api/repairs?status=waiting'), ['/query/status'])
    await expectBadInput(await host.get('/api/repairs?jobId=a%20b'), ['/query/jobId'])
    await expectBadInput(await host.get('/api/repairs?limit=0'), ['/query/limit'])
  })
})

describe('GET /api/repairs/{repairId}', () => {
  it('shows a customer their own repair with its timeline, and refuses another customer and a missing repair (403)', async () => {
    const { repairId } = await awaitingApproval('shown')
    const own = await host.get(`/api/repairs/${repairId}`, await as(ann))
    expect(own.status).toBe(200)
    const repair = (await own.json()) as {
      customerId: string
      timeline: { type: string; actor: string }[]
    }
    expect(repair.customerId).toBe('ann')
    // Who at the garage acted is `staff` to the customer; staff see the address.
    expect(repair.timeline.map((e) => [e.type, e.actor])).toEqual([
      ['RepairStarted', 'staff'],
      ['ExtraWorkProposed', 'staff'],
      ['CustomerApprovalRequested', 'repairs'],
    ])
    expect((await repairOf(host, repairId)).timeline[0]!.actor).toBe('staff:manager@pitstop.local')

    expect((await host.get(`/api/repairs/${repairId}`, await as(bob))).status).toBe(403)
    expect((await host.get('/api/repairs/no-such-repair', await as(bob))).status).toBe(403)
  })

  it('says the hourly rate a proposal made now is priced at', async () => {
    const { repairId } = await newRepair('rated')
    const res = await host.get(`/api/repairs/${repairId}`)
    expect(((await res.json()) as { hourlyRate: string }).hourlyRate).toBe('18.50')
  })

  it('is 404 to staff for a repair that does not exist, and 400 for a malformed id', async () => {
    expect((await host.get('/api/repairs/no-such-repair')).status).toBe(404)
    await expectBadInput(await host.get('/api/repairs/a%20b'), ['/param/repairId'])
  })
})
