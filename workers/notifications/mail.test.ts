import { eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ManualClock } from '../../shared/clock.ts'
import { parseConfig } from '../../shared/host/config.ts'
import { startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { TEST_REDIS_URL } from '../../shared/testing/redis.ts'
import { startMailCatcher, type CaughtMail, type MailCatcher } from '../../tools/mail-catcher/mail-catcher.ts'
import { FIRST_RETRY_MS, MAX_ATTEMPTS, retryDelayMs } from './mailer.ts'
import { mails, notifications } from './schema.ts'
import {
  approvalRequested,
  approved,
  registered,
  repairStarted,
  startNotificationsHost,
  type NotificationsHost,
} from './testing.ts'
import {
  partsProducer,
  partsReserved,
  planJob,
  registerCustomer,
  startRepair,
  untilStatus,
  withWorkshop,
} from '../repairs/testing.ts'

// E-mail through a real SMTP server: the mail catcher's `smtp-server`, in a process of its own, which
// refuses a message (451, try again later) when the test asks it to. Events come from real outboxes and relays (see
// testing.ts); the host's clock is the test's, so a retry's wait is passed by moving it.

const waitLong = { timeout: 20_000, interval: 20 }
let catcher: MailCatcher
let host: NotificationsHost
const clock = new ManualClock(new Date('2026-12-01T08:00:00.000Z'))

beforeAll(async () => {
  catcher = await startMailCatcher()
  const { settings } = parseConfig({ REDIS_URL: TEST_REDIS_URL, SMTP_URL: catcher.url })
  host = await startNotificationsHost({ settings }, { clock })
})
afterAll(async () => {
  await host?.cleanup()
  await catcher?.stop()
})

const db = () => host.db('notifications')
const mailOf = async (notificationId: string) =>
  (await db().select().from(mails).where(eq(mails.notificationId, notificationId)))[0]
const noticesOf = (repairId: string) =>
  db().select().from(notifications).where(eq(notifications.repairId, repairId))
const arrivedTo = (address: string) => catcher.messages.filter((mail) => mail.envelope.to.includes(address))
/** What `/health` says is wrong with the notifications service's e-mail. */
const mailProblems = async () => {
  const health = (await (await host.get('/health')).json()) as {
    services: { notifications: { problems: string[] } }
  }
  return health.services.notifications.problems.filter((line) => line.startsWith('e-mail'))
}

describe('a customer notification with SMTP_URL set', () => {
  it('is tried again after a refusal (451), after the first wait, and arrives once', async () => {
    await host.streams.customers.publish(registered('cust-busy'))
    await host.consumed('customers')
    await catcher.refuseNext(1)
    await host.streams.repairs.publish(
      repairStarted('cust-busy', 'repair-busy'),
      approvalRequested('cust-busy', 'repair-busy', 'proposal-busy'),
    )
    await host.consumed('repairs')
    const queued = await db().select().from(mails).where(eq(mails.customerId, 'cust-busy'))
    expect(queued).toHaveLength(2)

    // The catcher refuses the first of the two; the other goes through.
    const refusedOne = await vi.waitFor(async () => {
      const rows = await db().select().from(mails).where(eq(mails.customerId, 'cust-busy'))
      const found = rows.find((row) => row.lastError?.includes('451'))
      expect(found).toBeDefined()
      return found!
    }, waitLong)
    expect(refusedOne).toMatchObject({ attempts: 1, sentAt: null })
    expect(Date.parse(refusedOne.nextAttemptAt) - clock.now().getTime()).toBe(FIRST_RETRY_MS)
    expect(catcher.refused).toBe(1)
    await vi.waitFor(() => expect(arrivedTo('cust-busy@example.com')).toHaveLength(1), waitLong)
    expect(await mailProblems()).toEqual([expect.stringMatching(/^e-mail: 1 not sent yet, .*451/)])

    await clock.advanceTo(new Date(clock.now().getTime() + FIRST_RETRY_MS))
    await vi.waitFor(() => expect(arrivedTo('cust-busy@example.com')).toHaveLength(2), waitLong)
    await vi.waitFor(
      async () =>
        expect(await mailOf(refusedOne.notificationId)).toMatchObject({
          attempts: 2,
          sentAt: clock.now().toISOString(),
          lastError: null,
        }),
      waitLong,
    )
    expect(await mailProblems()).toEqual([])
    expect(arrivedTo('cust-busy@example.com').map((m) => m.subject)).toEqual(
      expect.arrayContaining(['We have started on AB-12-CD', 'Your approval is needed: Replace brake pads']),
    )
  })

  it("goes to the customer's name and address, from MAIL_FROM, with the notification's subject, text and a personal link", async () => {
    await host.streams.customers.publish(registered('cust-mail'))
    await host.consumed('customers')
    await host.streams.repairs.publish(
      repairStarted('cust-mail', 'repair-mail'),
      approvalRequested('cust-mail', 'repair-mail', 'proposal-mail'),
    )
    const [asked] = await vi.waitFor(() => {
      const found = arrivedTo('cust-mail@example.com').filter((m) => m.subject.startsWith('Your approval'))
      expect(found).toHaveLength(1)
      return found
    }, waitLong)
    expect(asked).toMatchObject({
      from: [{ name: 'Pitstop garage', address: 'garage@pitstop.local' }],
      to: [{ name: 'Ann de Vries', address: 'cust-mail@example.com' }],
      subject: 'Your approval is needed: Replace brake pads',
    })
    expect(asked!.text).toContain('Labour: 1.5 h at 18.50 = 27.75')
    expect(asked!.text).toContain('2 × BP-1044 at 12.50 = 25.00')
    expect(asked!.text).toContain('Total: 52.75')
    const token = tokenIn(asked!)
    // The link opens the customer's own notifications, as the customer.
    const own = await host.get('/api/notifications', { authorization: `Bearer ${token}` })
    expect(own.status).toBe(200)
    expect(JSON.stringify(await own.json())).toContain('proposal-mail')
  })

  it('is sent once when its event arrives twice', async () => {
    await host.streams.customers.publish(registered('cust-twice'))
    await host.consumed('customers')
    const envelopes = await host.streams.repairs.publish(repairStarted('cust-twice', 'repair-twice'))
    await host.streams.repairs.publishAgain(envelopes)
    await host.consumed('repairs')
    await vi.waitFor(() => expect(arrivedTo('cust-twice@example.com')).toHaveLength(1), waitLong)

    expect(await db().select().from(mails).where(eq(mails.customerId, 'cust-twice'))).toHaveLength(1)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(arrivedTo('cust-twice@example.com')).toHaveLength(1)
  })

  it('waits for the address of a customer not known yet, and goes out once it is', async () => {
    await host.streams.repairs.publish(repairStarted('cust-late', 'repair-late'))
    await host.consumed('repairs')
    const [started] = await noticesOf('repair-late')
    await vi.waitFor(
      async () => expect((await mailOf(started!.notificationId))?.lastError).toContain('not known yet'),
      waitLong,
    )
    expect(arrivedTo('cust-late@example.com')).toEqual([])

    await host.streams.customers.publish(registered('cust-late'))
    await vi.waitFor(() => expect(arrivedTo('cust-late@example.com')).toHaveLength(1), waitLong)
    await vi.waitFor(
      async () => expect((await mailOf(started!.notificationId))?.sentAt).not.toBeNull(),
      waitLong,
    )
  })

  it('is not written for the mechanic: only customers get e-mail', async () => {
    await host.streams.repairs.publish(
      repairStarted('cust-mech', 'repair-mech'),
      approved('repair-mech', 'p-m'),
    )
    await host.consumed('repairs')
    const told = await noticesOf('repair-mech')
    expect(told.map((n) => n.kind).sort()).toEqual(['repair-approved', 'repair-started'])
    const toMechanic = told.find((n) => n.kind === 'repair-approved')!
    expect(await mailOf(toMechanic.notificationId)).toBeUndefined()
    expect(await db().select().from(mails).where(eq(mails.customerId, 'cust-mech'))).toHaveLength(1)
  })
})

describe('a mail that keeps failing', () => {
  it('is given up after the last attempt, and kept with its error', async () => {
    await host.streams.repairs.publish(repairStarted('cust-never', 'repair-never'))
    await host.consumed('repairs')
    const [started] = await noticesOf('repair-never')
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      await vi.waitFor(
        async () => expect((await mailOf(started!.notificationId))?.attempts).toBe(attempt),
        waitLong,
      )
      await clock.advanceTo(new Date(clock.now().getTime() + retryDelayMs(attempt)))
    }
    await clock.advanceTo(new Date(clock.now().getTime() + 3_600_000))
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await mailOf(started!.notificationId)).toMatchObject({
      attempts: MAX_ATTEMPTS,
      sentAt: null,
      lastError: 'the e-mail address of customer cust-never is not known yet',
    })
    expect(await mailProblems()).toEqual([
      expect.stringMatching(/^e-mail: \d+ given up in the last day after 10 attempts .*is not known yet$/),
    ])
    await clock.advanceTo(new Date(clock.now().getTime() + 24 * 3_600_000))
    expect(await mailProblems()).toEqual([])
  })
})

describe('an approval asked by e-mail, with the whole workshop running', () => {
  let garage: TestHost
  let mailbox: MailCatcher
  beforeAll(async () => {
    mailbox = await startMailCatcher()
    const { settings } = parseConfig({ REDIS_URL: TEST_REDIS_URL, SMTP_URL: mailbox.url })
    garage = await startTestHost({ services: [...withWorkshop, 'notifications'], settings })
  }, 60_000)
  afterAll(async () => {
    await garage?.cleanup()
    await mailbox?.stop()
  })

  it("carries a link whose token lets the customer approve, and the mechanic's notice is not mailed", async () => {
    await registerCustomer(garage, 'ann', 'AN-12-NA')
    await planJob(garage, { jobId: 'job-ann', customerId: 'ann', licenseNumber: 'AN-12-NA' })
    await startRepair(garage, 'repair-ann', 'job-ann')
    const proposed = await garage.post('/api/repairs/repair-ann/proposals', {
      proposalId: 'proposal-ann',
      description: 'Replace the brake pads',
      labourHours: 1.5,
      parts: [{ partNumber: 'BP-1044', quantity: 2 }],
    })
    expect(proposed.status).toBe(202)
    const parts = await partsProducer(garage)
    try {
      await parts.publish(
        partsReserved('repair-ann', 'proposal-ann', [
          { partNumber: 'BP-1044', quantity: 2, unitPriceCents: 1250 },
        ]),
      )
      await untilStatus(garage, 'repair-ann', 'awaiting-approval')
    } finally {
      await parts.close()
    }

    const asked = await vi.waitFor(() => {
      const found = mailbox.messages.find(
        (m) => m.subject === 'Your approval is needed: Replace the brake pads',
      )
      expect(found).toBeDefined()
      return found!
    }, waitLong)
    expect(asked.envelope.to).toEqual(['ann@example.com'])
    expect(asked.text).toContain('Total: 52.75')
    const approval = await garage.post(
      '/api/repairs/repair-ann/approve',
      { proposalId: 'proposal-ann' },
      { authorization: `Bearer ${tokenIn(asked)}` },
    )
    expect(approval.status, await approval.text()).toBe(200)

    // The mechanic hears the answer in the app; the customers' notices (booked, started, asked) were mailed.
    const notices = garage.db('notifications').select().from(notifications)
    await vi.waitFor(
      async () => expect((await notices).map((n) => n.kind)).toContain('repair-approved'),
      waitLong,
    )
    const all = await garage.db('notifications').select().from(notifications)
    const queued = await garage.db('notifications').select().from(mails)
    expect(queued.map((m) => m.notificationId).sort()).toEqual(
      all
        .filter((n) => n.recipient === 'customer:ann')
        .map((n) => n.notificationId)
        .sort(),
    )
    expect(all.find((n) => n.kind === 'repair-approved')?.recipient).toMatch(/^staff:/)
    await vi.waitFor(() => expect(mailbox.messages).toHaveLength(3), waitLong)
    expect(mailbox.messages.every((m) => m.envelope.to.join() === 'ann@example.com')).toBe(true)
  }, 60_000)
})

describe('the wait between attempts', () => {
  it('starts at 5 seconds and doubles, up to 15 minutes', () => {
    expect([1, 2, 3, 4, 8, 9, 10, 20].map(retryDelayMs)).toEqual([
      5_000, 10_000, 20_000, 40_000, 640_000, 900_000, 900_000, 900_000,
    ])
  })
})

/** The token of the personal link in a mail's text. */
function tokenIn(mail: CaughtMail): string {
  const link = /http:\/\/localhost:8080\/\?token=(\S+)/.exec(mail.text)
  expect(link, mail.text).not.toBeNull()
  return decodeURIComponent(link![1]!)
}
