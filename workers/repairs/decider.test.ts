import { describe, expect, it } from 'vitest'
import { NotFound } from '../../shared/errors.ts'
import { deciderSpec } from '../../shared/testing/decider-spec.ts'
import { decide, expiredInstead, type RepairCommand } from './decider.ts'
import { evolve, initialState, type Repair, type RepairEvent } from './events.ts'
import type { KnownJob } from './rules.ts'

const policy = { hourlyRateCents: 1850, approvalTimeoutMs: 86_400_000 }
const spec = deciderSpec<RepairCommand, RepairEvent, Repair>({
  decide: (command, state) => decide(command, state, policy),
  evolve,
  initialState,
})

const repairId = 'r-1'
const startedAt = '2026-12-07T09:00:00.000Z'
const requestedAt = '2026-12-07T10:00:00.000Z'
const expiresAt = '2026-12-08T10:00:00.000Z'
const justBefore = '2026-12-08T09:59:59.999Z'
const job: KnownJob = {
  jobId: 'job-1',
  finished: false,
  planningDate: '2026-12-07',
  customerId: 'ann',
  licenseNumber: 'AB-12-CD',
}
const lines = [{ partNumber: 'BP-1044', quantity: 2 }]
const price = {
  labour: { hours: 1.5, hourlyRateCents: 1850, amountCents: 2775 },
  parts: [{ partNumber: 'BP-1044', quantity: 2, unitPriceCents: 1250, amountCents: 2500 }],
  totalCents: 5275,
}

// Commands, each at a time.
/** Starting a repair of job-1, as the repairs service knows it (or does not). */
const startOn = (known: KnownJob | undefined): RepairCommand => ({
  type: 'StartRepair',
  data: { repairId, jobId: 'job-1', job: known, now: startedAt },
})
const start = () => startOn(job)
const propose = (proposalId = 'p-1', now = requestedAt): RepairCommand => ({
  type: 'ProposeExtraWork',
  data: { repairId, proposalId, description: 'Brake pads', labourHours: 1.5, parts: lines, now },
})
const reserved = (reservationId = 'p-1', now = requestedAt): RepairCommand => ({
  type: 'RecordPartsReserved',
  data: {
    repairId,
    reservationId,
    lines: [{ partNumber: 'BP-1044', lotId: 'lot-1', quantity: 2, unitPriceCents: 1250 }],
    now,
  },
})
const shortages = [{ partNumber: 'BP-1044', requested: 2, available: 1 }]
const unavailable = (reservationId = 'p-1'): RepairCommand => ({
  type: 'RecordPartsUnavailable',
  data: { repairId, reservationId, shortages, now: requestedAt },
})
const approve = (now: string, proposalId = 'p-1'): RepairCommand => ({
  type: 'ApproveRepair',
  data: { repairId, proposalId, now },
})
const reject = (now: string, proposalId = 'p-1'): RepairCommand => ({
  type: 'RejectRepair',
  data: { repairId, proposalId, reason: 'Too expensive', now },
})
const expire = (now: string): RepairCommand => ({ type: 'ExpireApproval', data: { repairId, now } })
const complete = (now: string): RepairCommand => ({ type: 'CompleteRepair', data: { repairId, now } })

// Events.
const started: RepairEvent = {
  type: 'RepairStarted',
  data: {
    repairId,
    jobId: 'job-1',
    planningDate: '2026-12-07',
    customerId: 'ann',
    licenseNumber: 'AB-12-CD',
  },
  occurredAt: startedAt,
}
const proposed = (proposalId = 'p-1'): RepairEvent => ({
  type: 'ExtraWorkProposed',
  data: { repairId, proposalId, description: 'Brake pads', labourHours: 1.5, parts: lines },
})
const requested = (proposalId = 'p-1'): RepairEvent => ({
  type: 'CustomerApprovalRequested',
  data: { repairId, proposalId, customerId: 'ann', description: 'Brake pads', price, expiresAt },
})
const failed = (proposalId = 'p-1'): RepairEvent => ({
  type: 'ProposalFailed',
  data: { repairId, proposalId, shortages },
})
const approved: RepairEvent = { type: 'RepairApproved', data: { repairId, proposalId: 'p-1' } }
const rejected: RepairEvent = {
  type: 'RepairRejected',
  data: { repairId, proposalId: 'p-1', reason: 'Too expensive' },
}
const expired = (proposalId = 'p-1'): RepairEvent => ({
  type: 'ApprovalExpired',
  data: { repairId, proposalId },
})
const completed = (completedAt: string): RepairEvent => ({
  type: 'RepairCompleted',
  data: { repairId, jobId: 'job-1', planningDate: '2026-12-07', startedAt, completedAt },
})

describe('a repair not started', () => {
  it('starts on a planned job, copying the job, at the time of the command', () => {
    spec.given([]).when(start()).then([started])
  })
  it('refuses a job it does not know (unknown-job)', () => {
    spec.given([]).when(startOn(undefined)).thenThrows('unknown-job')
  })
  it('refuses a finished job (job-not-finished)', () => {
    spec
      .given([])
      .when(startOn({ jobId: 'job-1', finished: true }))
      .thenThrows('job-not-finished')
  })
  it.each([
    ['proposals', propose()],
    ['approvals', approve(requestedAt)],
    ['rejections', reject(requestedAt)],
    ['completion', complete(requestedAt)],
  ])('does not exist for %s (404)', (_, command) => {
    spec.given([]).when(command).thenThrows(NotFound)
  })
  it('decides nothing on parts answers and on expiry', () => {
    spec.given([]).when(reserved()).then([])
    spec.given([]).when(unavailable()).then([])
    spec.given([]).when(expire(expiresAt)).then([])
  })
})

describe('a repair in progress', () => {
  it('refuses to be started again (repair-id-unique), before looking at the job', () => {
    spec.given([started]).when(start()).thenThrows('repair-id-unique')
    spec
      .given([started])
      .when(startOn({ jobId: 'job-1', finished: true }))
      .thenThrows('repair-id-unique')
  })
  it('takes a proposal, which then awaits the parts', () => {
    spec.given([started]).when(propose()).then([proposed()])
    expect([started, proposed()].reduce(evolve, initialState())).toMatchObject({ status: 'awaiting-parts' })
  })
  it('refuses an answer while nothing awaits one (approval-not-pending)', () => {
    spec.given([started]).when(approve(requestedAt)).thenThrows('approval-not-pending')
    spec.given([started]).when(reject(requestedAt)).thenThrows('approval-not-pending')
  })
  it('completes after its start, with the start and the completion', () => {
    const later = '2026-12-07T09:00:00.001Z'
    spec
      .given([started])
      .when(complete(later))
      .then([completed(later)])
  })
  it('refuses completion at the very time it started (complete-after-start), and before it', () => {
    spec.given([started]).when(complete(startedAt)).thenThrows('complete-after-start')
    spec.given([started]).when(complete('2026-12-07T08:59:59.999Z')).thenThrows('complete-after-start')
  })
})

describe('a repair awaiting the parts', () => {
  const given = [started, proposed()]
  it('asks the customer for approval when the parts are reserved, priced, for APPROVAL_TIMEOUT', () => {
    spec.given(given).when(reserved()).then([requested()])
  })
  it('records the proposal failing when the parts are short, and is in progress again', () => {
    spec.given(given).when(unavailable()).then([failed()])
    expect([...given, failed()].reduce(evolve, initialState())).toMatchObject({ status: 'in-progress' })
  })
  it("decides nothing on an answer to another proposal's reservation", () => {
    spec.given(given).when(reserved('p-other')).then([])
    spec.given(given).when(unavailable('p-other')).then([])
  })
  it('refuses another proposal (one-proposal-at-a-time)', () => {
    spec.given(given).when(propose('p-2')).thenThrows('one-proposal-at-a-time')
  })
  it('refuses completion (proposal-awaiting-answer) and answers (approval-not-pending)', () => {
    spec.given(given).when(complete(justBefore)).thenThrows('proposal-awaiting-answer')
    spec.given(given).when(approve(requestedAt)).thenThrows('approval-not-pending')
  })
})

describe('a repair awaiting approval', () => {
  const given = [started, proposed(), requested()]
  it('is approved one ms before it expires', () => {
    spec.given(given).when(approve(justBefore)).then([approved])
  })
  it('expires instead when approved at the moment it expires, or later', () => {
    spec.given(given).when(approve(expiresAt)).then([expired()])
    spec.given(given).when(approve('2026-12-09T00:00:00.000Z')).then([expired()])
    expect(expiredInstead([expired()])).toBe(true)
    expect(expiredInstead([approved])).toBe(false)
  })
  it('is answered only for the proposal awaiting it (proposal-not-current), not an earlier or later one', () => {
    spec.given(given).when(approve(justBefore, 'p-0')).thenThrows('proposal-not-current')
    spec.given(given).when(reject(justBefore, 'p-0')).thenThrows('proposal-not-current')
    spec.given(given).when(approve(justBefore, 'p-1')).then([approved])
  })
  it('is rejected one ms before it expires; at the moment, it expires instead', () => {
    spec.given(given).when(reject(justBefore)).then([rejected])
    spec.given(given).when(reject(expiresAt)).then([expired()])
  })
  it('expires at its expiresAt, not one ms before', () => {
    spec.given(given).when(expire(justBefore)).then([])
    spec.given(given).when(expire(expiresAt)).then([expired()])
  })
  it('decides nothing on the same parts answer again (a duplicate)', () => {
    spec.given(given).when(reserved()).then([])
    spec.given(given).when(unavailable()).then([])
  })
  it('refuses another proposal (one-proposal-at-a-time) until it expires; then records the expiry first', () => {
    spec.given(given).when(propose('p-2', justBefore)).thenThrows('one-proposal-at-a-time')
    spec
      .given(given)
      .when(propose('p-2', expiresAt))
      .then([expired(), { ...proposed('p-2') }])
  })
  it('refuses completion (proposal-awaiting-answer) until it expires; then records the expiry first', () => {
    spec.given(given).when(complete(justBefore)).thenThrows('proposal-awaiting-answer')
    spec
      .given(given)
      .when(complete(expiresAt))
      .then([expired(), completed(expiresAt)])
  })
})

describe('a repair whose approval was answered', () => {
  it.each([
    ['approved', approved],
    ['rejected', rejected],
  ])('once %s, refuses another answer (approval-not-pending) and takes the next proposal', (_, answer) => {
    const given = [started, proposed(), requested(), answer]
    spec.given(given).when(approve(justBefore)).thenThrows('approval-not-pending')
    spec.given(given).when(reject(justBefore)).thenThrows('approval-not-pending')
    spec.given(given).when(expire(expiresAt)).then([])
    spec
      .given(given)
      .when(propose('p-2'))
      .then([proposed('p-2')])
  })
  it('once expired, refuses an answer naming the expiry (approval-expired), and expires nothing more', () => {
    const given = [started, proposed(), requested(), expired()]
    spec.given(given).when(approve(expiresAt)).thenThrows('approval-expired')
    spec.given(given).when(reject(expiresAt)).thenThrows('approval-expired')
    spec.given(given).when(expire('2026-12-10T00:00:00.000Z')).then([])
  })
  it('keeps every proposal with its answer, the last one current', () => {
    const state = [started, proposed(), requested(), approved, proposed('p-2'), failed('p-2')].reduce(
      evolve,
      initialState(),
    )
    expect(state).toMatchObject({
      status: 'in-progress',
      proposals: [
        { proposalId: 'p-1', status: 'approved', price, expiresAt },
        { proposalId: 'p-2', status: 'failed', shortages },
      ],
    })
  })
})

describe('a completed repair', () => {
  const given = [started, completed('2026-12-07T11:00:00.000Z')]
  it('refuses completion (repair-already-completed) and proposals', () => {
    spec.given(given).when(complete('2026-12-07T12:00:00.000Z')).thenThrows('repair-already-completed')
    spec.given(given).when(propose('p-2')).thenThrows('repair-already-completed')
  })
  it('refuses answers (approval-not-pending)', () => {
    spec.given(given).when(approve(justBefore)).thenThrows('approval-not-pending')
  })
})
