import { describe, expect, it } from 'vitest'
import type { Envelope } from '../../shared/contracts/index.ts'
import { noticesFor, REPAIR_UNKNOWN, type Notice, type RepairFacts } from './notices.ts'
import {
  approvalRequested,
  approved,
  completed,
  expired,
  failed,
  jobPlanned,
  MECHANIC,
  registered,
  rejected,
  repairStarted,
  supportMessage,
} from './testing.ts'

// Who hears of what, and what they are told: given what is known of the repair, when an event arrives,
// then these notices.

const repair: RepairFacts = { customerId: 'ann', mechanic: MECHANIC, licenseNumber: 'AB-12-CD' }
const envelope = (event: { type: string; data: unknown }) => ({ id: 'event-1', ...event }) as Envelope
/** The notices of `event`, the repair's start applied before it unless `known` says `'repair unknown'`. */
const when = (
  event: { type: string; data: unknown },
  known: 'repair known' | 'repair unknown' = 'repair known',
) => noticesFor(envelope(event), known === 'repair known' ? repair : undefined, 'Europe/Amsterdam')

describe('notices for the customer', () => {
  it('confirms the appointment in the workshop’s time zone', () => {
    const [notice] = when(jobPlanned('ann', 'job-1'), 'repair unknown') as Notice[]
    expect(notice).toMatchObject({
      recipient: 'customer:ann',
      kind: 'appointment-confirmed',
      repairId: null,
      subject: 'Your appointment on 2026-12-07',
    })
    // 09:00Z is 10:00 in Amsterdam in winter.
    expect(notice!.text).toContain('on 2026-12-07, 10:00 to 11:30: Yearly service')
  })

  it('shows the time of day in UTC when the workshop keeps UTC', () => {
    const [notice] = noticesFor(envelope(jobPlanned('ann', 'job-1')), undefined, 'UTC') as Notice[]
    expect(notice!.text).toContain('09:00 to 10:30')
  })

  it('tells of the start, needing nothing known beforehand', () => {
    expect(when(repairStarted('ann', 'repair-1'), 'repair unknown')).toMatchObject([
      { recipient: 'customer:ann', kind: 'repair-started', repairId: 'repair-1' },
    ])
  })

  it('asks for approval with each price line, the total, the deadline and both answers', () => {
    const [notice] = when(approvalRequested('ann', 'repair-1', 'p-1')) as Notice[]
    expect(notice).toMatchObject({ recipient: 'customer:ann', kind: 'approval-requested', proposalId: 'p-1' })
    expect(notice!.text.split('\n')).toEqual(
      expect.arrayContaining([
        'Labour: 1.5 h at 18.50 = 27.75',
        '2 × BP-1044 at 12.50 = 25.00',
        'Total: 52.75',
        'Please approve or reject it by 2026-12-08 10:00.',
      ]),
    )
    expect(notice!.text).toContain('on AB-12-CD')
    expect(notice!.details).toMatchObject({
      price: { total: '52.75', parts: [{ partNumber: 'BP-1044', quantity: 2, amount: '25.00' }] },
      approve: { path: '/api/repairs/repair-1/approve', body: { proposalId: 'p-1' } },
      reject: { path: '/api/repairs/repair-1/reject', body: { proposalId: 'p-1' } },
    })
  })

  it('asks for approval even before the repair is known, without the car', () => {
    const [notice] = when(approvalRequested('ann', 'repair-1', 'p-1'), 'repair unknown') as Notice[]
    expect(notice!.text).toMatch(/^We found more to do: /)
  })

  it('says the car is ready, once the repair is known', () => {
    expect(when(completed('repair-1'))).toMatchObject([
      { recipient: 'customer:ann', kind: 'repair-completed', subject: 'AB-12-CD is ready for pick-up' },
    ])
    expect(when(completed('repair-1'), 'repair unknown')).toBe(REPAIR_UNKNOWN)
  })

  it("passes support's words on as they were written", () => {
    const text = 'Your car needs a new tyre as well.\nShall we fit one?'
    expect(when(supportMessage('ann', 'repair-1', text), 'repair unknown')).toMatchObject([
      { recipient: 'customer:ann', kind: 'support-message', repairId: 'repair-1', text },
    ])
  })
})

describe('notices for the mechanic who started the repair', () => {
  it.each([
    [approved('repair-1', 'p-1'), 'repair-approved', 'approved'],
    [rejected('repair-1', 'p-1', 'Too expensive for now'), 'repair-rejected', 'Too expensive for now'],
    [expired('repair-1', 'p-1'), 'approval-expired', 'did not answer in time'],
    [failed('repair-1', 'p-1'), 'proposal-failed', 'BP-1044 (1 of 2)'],
  ])('tells them of %s', (event, kind, said) => {
    const notices = when(event) as Notice[]
    expect(notices).toHaveLength(1)
    expect(notices[0]).toMatchObject({ recipient: MECHANIC, kind, proposalId: 'p-1' })
    expect(notices[0]!.text).toContain(said)
    expect(when(event, 'repair unknown')).toBe(REPAIR_UNKNOWN)
  })
})

describe('events nobody is told of', () => {
  it('tells nobody of a registration: it is kept, not announced', () => {
    expect(when(registered('ann'), 'repair unknown')).toEqual([])
  })
})
