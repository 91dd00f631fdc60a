import { asc, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Envelope } from '../../shared/contracts/index.ts'
import { outbox } from '../../shared/db/kernel-schema.ts'
import { mails, notifications } from './schema.ts'
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
  startNotificationsHost,
  supportMessage,
  type NotificationsHost,
} from './testing.ts'

let host: NotificationsHost
beforeAll(async () => {
  host = await startNotificationsHost()
})
afterAll(() => host?.cleanup())

const db = () => host.db('notifications')
const told = (repairIdOrCause: { repairId?: string; causeId?: string }) =>
  db()
    .select()
    .from(notifications)
    .where(
      repairIdOrCause.repairId
        ? eq(notifications.repairId, repairIdOrCause.repairId)
        : eq(notifications.causeId, repairIdOrCause.causeId!),
    )
    .orderBy(asc(notifications.sequence))

describe('notifications consumer', () => {
  it('tells the customer of their appointment when a job is planned', async () => {
    const [planned] = await host.streams.workshop.publish(jobPlanned('cust-appt', 'job-appt'))
    await host.consumed('workshop')

    const [notice] = await told({ causeId: planned!.id })
    expect(notice).toMatchObject({
      recipient: 'customer:cust-appt',
      kind: 'appointment-confirmed',
      subject: 'Your appointment on 2026-12-07',
    })
    expect(notice!.text).toContain('09:00 to 10:30')
  })

  it('tells the customer of the start, the approval asked with its price, and the car being ready', async () => {
    await host.streams.repairs.publish(
      repairStarted('cust-1', 'repair-1'),
      approvalRequested('cust-1', 'repair-1', 'proposal-1'),
      completed('repair-1'),
    )
    await host.consumed('repairs')

    const rows = await told({ repairId: 'repair-1' })
    expect(rows.map((r) => [r.recipient, r.kind])).toEqual([
      ['customer:cust-1', 'repair-started'],
      ['customer:cust-1', 'approval-requested'],
      ['customer:cust-1', 'repair-completed'],
    ])
    const asked = rows[1]!
    expect(asked.text).toContain('Labour: 1.5 h at 18.50 = 27.75')
    expect(asked.text).toContain('2 × BP-1044 at 12.50 = 25.00')
    expect(asked.text).toContain('Total: 52.75')
    expect(JSON.parse(asked.details)).toMatchObject({
      price: { total: '52.75' },
      approve: { method: 'POST', path: '/api/repairs/repair-1/approve', body: { proposalId: 'proposal-1' } },
    })
  })

  it('tells the mechanic who started the repair the answer, the silence, or the parts missing', async () => {
    await host.streams.repairs.publish(
      repairStarted('cust-2', 'repair-2'),
      approved('repair-2', 'p-a'),
      rejected('repair-2', 'p-b', 'Too expensive for now'),
      expired('repair-2', 'p-c'),
      failed('repair-2', 'p-d'),
    )
    await host.consumed('repairs')

    const toMechanic = (await told({ repairId: 'repair-2' })).filter((r) => r.recipient === MECHANIC)
    expect(toMechanic.map((r) => r.kind)).toEqual([
      'repair-approved',
      'repair-rejected',
      'approval-expired',
      'proposal-failed',
    ])
    expect(toMechanic[1]!.text).toContain('Too expensive for now')
    expect(toMechanic[3]!.text).toContain('BP-1044 (1 of 2)')
  })

  it("passes support's message on to the customer", async () => {
    await host.streams.support.publish(
      supportMessage('cust-3', 'repair-3', 'Your car needs a new tyre as well.'),
    )
    await host.consumed('support')

    expect(await told({ repairId: 'repair-3' })).toMatchObject([
      { recipient: 'customer:cust-3', kind: 'support-message', text: 'Your car needs a new tyre as well.' },
    ])
  })

  it('delivers one notification per event and recipient when the event arrives twice', async () => {
    const envelopes = await host.streams.repairs.publish(repairStarted('cust-4', 'repair-4'))
    await host.streams.repairs.publishAgain(envelopes)
    await host.consumed('repairs')

    expect(await told({ repairId: 'repair-4' })).toHaveLength(1)
  })

  it('publishes each notification as NotificationSent, caused by the event it answers', async () => {
    const [cause] = await host.streams.customers.publish(registered('cust-5'))
    const [planned] = await host.streams.workshop.publish(jobPlanned('cust-5', 'job-5'))
    await host.consumed('workshop')
    await host.consumed('customers')

    expect(await told({ causeId: cause!.id })).toEqual([])
    const [notice] = await told({ causeId: planned!.id })
    const sent = (await db().select().from(outbox).where(eq(outbox.type, 'NotificationSent'))).map(
      (row) => JSON.parse(row.envelope) as Envelope,
    )
    expect(sent.find((e) => e.causationId === planned!.id)).toMatchObject({
      actor: 'notifications',
      correlationId: planned!.correlationId,
      data: {
        notificationId: notice!.notificationId,
        recipient: 'customer:cust-5',
        kind: 'appointment-confirmed',
      },
    })
  })

  it('queues no e-mail while SMTP_URL is unset: customers hear only in the app', async () => {
    await host.streams.customers.publish(registered('cust-6'))
    await host.consumed('customers')
    await host.streams.repairs.publish(repairStarted('cust-6', 'repair-6'))
    await host.consumed('repairs')

    expect(await told({ repairId: 'repair-6' })).toHaveLength(1)
    expect(await db().select().from(mails)).toEqual([])
  })
})
