import { describe, expect, it } from 'vitest'
import type { Envelope } from '../../shared/contracts/index.ts'
import type { UnwrappedEvent } from '../../shared/envelope.ts'
import { conversationChange, secondsBetween, statusOf } from './conversation.ts'
import {
  approvalRequested,
  completed,
  expired,
  MECHANIC,
  read,
  rejected,
  repairStarted,
  sent,
} from './testing.ts'

const AT = '2026-12-07T09:30:00.000Z'
/** The event as its stream carries it: `actor` at `occurredAt`. */
const envelope = (event: UnwrappedEvent, actor = MECHANIC): Envelope => ({
  id: '0190a000-0000-7000-8000-000000000001',
  type: event.type,
  version: 1,
  stream: 's-1',
  position: 1,
  occurredAt: AT,
  correlationId: 'c-1',
  causationId: 'c-1',
  actor,
  data: event.data,
})

describe('an event of the repairs stream', () => {
  it('starts the conversation with the customer and, from the envelope, the mechanic who started it', () => {
    expect(conversationChange(envelope(repairStarted('cust-1', 'r-1')))).toMatchObject({
      repairId: 'r-1',
      entry: { kind: 'repair-started', who: 'mechanic' },
      fact: {
        type: 'started',
        customerId: 'cust-1',
        mechanic: MECHANIC,
        licenseNumber: 'AB-12-CD',
        startedAt: AT,
      },
    })
  })

  it('asks the customer with the price broken down in two decimals, waiting since it was asked', () => {
    const change = conversationChange(envelope(approvalRequested('cust-1', 'r-1', 'p-1')))
    expect(change?.entry).toMatchObject({
      kind: 'approval-requested',
      who: 'mechanic',
      text: 'Asked the customer to approve Replace brake pads for 52.75',
      details: {
        proposalId: 'p-1',
        price: {
          labour: { hours: 1.5, hourlyRate: '18.50', amount: '27.75' },
          parts: [{ partNumber: 'BP-1044', quantity: 2, unitPrice: '12.50', amount: '25.00' }],
          total: '52.75',
        },
        expiresAt: '2026-12-08T09:00:00.000Z',
      },
    })
    expect(change?.fact).toEqual({
      type: 'asked',
      proposalId: 'p-1',
      requestedAt: AT,
      expiresAt: '2026-12-08T09:00:00.000Z',
    })
  })

  it("gives the customer's rejection with its reason, and answers the proposal", () => {
    expect(
      conversationChange(envelope(rejected('r-1', 'p-1', 'Too expensive'), 'customer:cust-1')),
    ).toMatchObject({
      entry: { kind: 'repair-rejected', who: 'customer', text: 'Rejected the extra work: Too expensive' },
      fact: { type: 'answered', proposalId: 'p-1', answer: 'rejected', answeredAt: AT },
    })
  })

  it("counts an expiry as the customer's answer that never came", () => {
    expect(conversationChange(envelope(expired('r-1', 'p-1'), 'repairs'))).toMatchObject({
      entry: { kind: 'approval-expired', who: 'customer' },
      fact: { type: 'answered', proposalId: 'p-1', answer: 'expired' },
    })
  })

  it('closes the conversation when the repair is completed', () => {
    expect(conversationChange(envelope(completed('r-1')))?.fact).toEqual({
      type: 'completed',
      completedAt: '2026-12-07T10:00:00.000Z',
    })
  })
})

describe('an event of the notifications stream', () => {
  it('is an entry of the notification sent about a repair, naming the notification', () => {
    expect(conversationChange(envelope(sent('n-1', 'cust-1', 'r-1'), 'notifications'))).toMatchObject({
      repairId: 'r-1',
      entry: {
        kind: 'notification:approval-requested',
        who: 'notifications',
        notificationId: 'n-1',
        details: { recipient: 'customer:cust-1' },
      },
    })
  })

  it('records a first read as a fact, not an entry of its own', () => {
    expect(conversationChange(envelope(read('n-1', 'cust-1', 'r-1'), 'customer:cust-1'))).toEqual({
      repairId: 'r-1',
      fact: { type: 'read', notificationId: 'n-1', readAt: AT },
    })
  })

  it('belongs to no conversation when it is about no repair', () => {
    expect(conversationChange(envelope(sent('n-2', 'cust-1', null, 'appointment-confirmed')))).toBeUndefined()
    expect(conversationChange(envelope(read('n-2', 'cust-1', null, 'appointment-confirmed')))).toBeUndefined()
  })
})

describe('the status of a conversation', () => {
  it('is waiting while an approval is asked and not answered, closed once completed, else open', () => {
    expect(statusOf({ completedAt: null, waitingSince: AT })).toBe('waiting')
    expect(statusOf({ completedAt: null, waitingSince: null })).toBe('open')
    expect(statusOf({ completedAt: AT, waitingSince: AT })).toBe('closed')
  })

  it('counts whole seconds of waiting, never fewer than none', () => {
    expect(secondsBetween(AT, new Date('2026-12-07T09:31:30.999Z'))).toBe(90)
    expect(secondsBetween(AT, new Date('2026-12-07T09:29:00.000Z'))).toBe(0)
  })
})
