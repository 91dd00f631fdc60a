import { and, asc, desc, eq, gt, gte, isNotNull, isNull, lt, lte, min, type SQL, sql } from 'drizzle-orm'
import type { Write } from '../../shared/db/statements.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import {
  openSmtpTransport,
  smtpUnavailable,
  type MailTransport,
  type OutgoingMail,
} from './mail-transport.ts'
import { customers, mails, notifications } from './schema.ts'
import type { NotificationsSettings } from './settings.ts'

/** Mails one query takes; a pass takes batch after batch until none is due. */
const BATCH = 20
/** The wait before the first retry, doubled after each failed attempt up to `LONGEST_WAIT_MS`. */
export const FIRST_RETRY_MS = 5_000
const LONGEST_WAIT_MS = 15 * 60_000
/** Attempts after which a mail is given up (and kept, with its last error, for an operator to see). */
export const MAX_ATTEMPTS = 10
/** How long a mail taken for sending is left to its sender: one that died is retried after it. */
const LEASE_MS = 2 * 60_000
/** Where links point when PUBLIC_URL is unset: the Node host on its default port. */
const LOCAL_URL = 'http://localhost:8080'
const DAY_MS = 24 * 3_600_000

/** Why a mail waits for its customer's registration; that registration makes it due at once. */
export const addressUnknown = (customerId: string) =>
  `the e-mail address of customer ${customerId} is not known yet`

/** The wait after the `attempts`-th failed attempt: 5 s, 10 s, 20 s, … at most 15 minutes. */
export const retryDelayMs = (attempts: number) =>
  Math.min(LONGEST_WAIT_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1))

// Said once per process: workerd builds the service anew for every background pass.
let skipLogged = false

export interface Mailer {
  /** `write`, noted as queueing mails, so that its commit wakes the mailer (see `committed`). */
  mark<T extends Write>(write: T): T
  /** Starts a pass, without waiting for it, when the committed `writes` queued mails. */
  committed(writes: readonly Write[]): void
  /** Sends what is due; resolves with when the next mail waiting is due, if one is. */
  tick(): Promise<Date | void>
  /** Mails that failed, for `/health`: those given up, and those waiting to be tried again. */
  problems(): Promise<string[]>
}

/**
 * Sends the customers' e-mails queued with their notifications (the `mails` table), apart from the
 * consumer: a pass is started by a commit that queued some and by the service's tick, never two at
 * once in a process. Each mail is taken for a lease first, so two processes never send it both; a
 * failure is retried after a wait that doubles, until `MAX_ATTEMPTS`. The message is the notification's
 * subject and text, with the customer's personal link (a token valid CUSTOMER_LINK_DAYS), to the
 * address the customers stream gave; a mail whose customer is not known yet waits like a failure.
 *
 * @example
 * const mailer = createMailer(deps)
 * await mailer.tick() // sends what is due, answers when the next retry is
 */
export function createMailer(
  deps: ServiceDeps<NotificationsSettings>,
  openTransport: (url: string) => Promise<MailTransport> = openSmtpTransport,
): Mailer {
  const { db, clock, logger, tokens, newId, settings } = deps
  const queueing = new WeakSet<Write>()
  let running: Promise<void> | undefined
  let again = false

  const unsent = and(isNull(mails.sentAt), lt(mails.attempts, MAX_ATTEMPTS))

  async function linkFor(customerId: string): Promise<string> {
    const lifetime = settings.CUSTOMER_LINK_DAYS * DAY_MS
    const { token } = await tokens.issue({ role: 'customer', customerId }, lifetime, newId())
    return `${settings.PUBLIC_URL ?? LOCAL_URL}/?token=${encodeURIComponent(token)}`
  }

  /** Takes the mail for `LEASE_MS`, counting the attempt; false when another sender took it first. */
  async function take(notificationId: string, nextAttemptAt: string, attempts: number): Promise<boolean> {
    const until = new Date(clock.now().getTime() + LEASE_MS).toISOString()
    const taken = await db
      .update(mails)
      .set({ attempts: attempts + 1, nextAttemptAt: until })
      .where(
        and(
          eq(mails.notificationId, notificationId),
          eq(mails.nextAttemptAt, nextAttemptAt),
          isNull(mails.sentAt),
        ),
      )
      .returning({ notificationId: mails.notificationId })
    return taken.length === 1
  }

  async function failed(notificationId: string, attempts: number, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error)
    const next = new Date(clock.now().getTime() + retryDelayMs(attempts)).toISOString()
    await db
      .update(mails)
      .set({ lastError: message.slice(0, 1000), nextAttemptAt: next })
      .where(eq(mails.notificationId, notificationId))
    if (attempts >= MAX_ATTEMPTS)
      logger.error(
        { notificationId, attempts, err: error },
        `e-mail given up after ${attempts} attempts; it stays in the mails table with its last error`,
      )
    else logger.warn({ notificationId, attempts, retryAt: next, err: error }, 'e-mail not sent; trying again')
  }

  /** Sends the mails due, one at a time; stops early when the server cannot be reached at all. */
  async function sendDue(transport: MailTransport): Promise<void> {
    for (;;) {
      const due = await db
        .select({
          notificationId: mails.notificationId,
          customerId: mails.customerId,
          attempts: mails.attempts,
          nextAttemptAt: mails.nextAttemptAt,
          kind: notifications.kind,
          subject: notifications.subject,
          text: notifications.text,
          name: customers.name,
          emailAddress: customers.emailAddress,
        })
        .from(mails)
        .innerJoin(notifications, eq(notifications.notificationId, mails.notificationId))
        .leftJoin(customers, eq(customers.customerId, mails.customerId))
        .where(and(unsent, lte(mails.nextAttemptAt, clock.now().toISOString())))
        .orderBy(asc(mails.nextAttemptAt))
        .limit(BATCH)
      for (const mail of due) {
        if (!(await take(mail.notificationId, mail.nextAttemptAt, mail.attempts))) continue
        const attempts = mail.attempts + 1
        const { name, emailAddress: address } = mail
        if (address === null || name === null) {
          await failed(mail.notificationId, attempts, new Error(addressUnknown(mail.customerId)))
          continue
        }
        try {
          await transport.send(compose(mail, { name, address }, await linkFor(mail.customerId)))
        } catch (error) {
          await failed(mail.notificationId, attempts, error)
          // No answer from the server at all (refused, timed out): the others would fare no better now.
          if ((error as { responseCode?: number }).responseCode === undefined) return
          continue
        }
        await db
          .update(mails)
          .set({ sentAt: clock.now().toISOString(), lastError: null })
          .where(eq(mails.notificationId, mail.notificationId))
        logger.debug({ notificationId: mail.notificationId, attempts }, 'e-mail sent')
      }
      if (due.length < BATCH) return
    }
  }

  function compose(
    mail: { kind: string; subject: string; text: string },
    to: OutgoingMail['to'],
    link: string,
  ): OutgoingMail {
    const invitation =
      mail.kind === 'approval-requested'
        ? `Approve or reject it on your page: ${link}`
        : `Your repairs and messages are on your page: ${link}`
    return {
      from: settings.MAIL_FROM,
      to,
      subject: mail.subject,
      text:
        `${mail.text}\n\n${invitation}\n\n` +
        `The link is yours alone and opens your page for ${settings.CUSTOMER_LINK_DAYS} days.\n`,
    }
  }

  async function pass(url: string): Promise<void> {
    const transport = await openTransport(url)
    try {
      await sendDue(transport)
    } finally {
      transport.close()
    }
  }

  /**
   * One pass at a time: a pass asked for while one runs runs again right after it. Resolves with
   * whether this process sends e-mail at all.
   */
  async function run(): Promise<boolean> {
    const url = settings.SMTP_URL
    if (!url) return false
    const unavailable = smtpUnavailable()
    if (unavailable) {
      if (!skipLogged) logger.warn(`e-mail skipped: ${unavailable}`)
      skipLogged = true
      return false
    }
    if (running) {
      again = true
      await running
      return true
    }
    running = (async () => {
      try {
        do {
          again = false
          await pass(url)
        } while (again)
      } finally {
        running = undefined
      }
    })()
    await running
    return true
  }

  async function nextDue(): Promise<Date | undefined> {
    const [next] = await db
      .select({ at: min(mails.nextAttemptAt) })
      .from(mails)
      .where(unsent)
    return next?.at ? new Date(next.at) : undefined
  }

  return {
    mark(write) {
      queueing.add(write)
      return write
    },
    committed(writes) {
      if (!writes.some((write) => queueing.has(write))) return
      run().catch((error: unknown) =>
        logger.error({ err: error }, 'sending e-mails failed; the tick tries again'),
      )
    },
    async tick() {
      if (await run()) return nextDue()
    },
    async problems() {
      // The newest failing mail of those `which`, and how many there are, in one row.
      const failing = async (which: SQL) =>
        (
          await db
            .select({ lastError: mails.lastError, count: sql<number>`count(*) over ()` })
            .from(mails)
            .where(and(isNull(mails.sentAt), isNotNull(mails.lastError), which))
            .orderBy(desc(mails.nextAttemptAt))
            .limit(1)
        )[0]
      // A mail given up stays in the table; /health tells of it for a day, as dead letters are told of
      // until someone deals with them, without declaring the service failing for good.
      const dayAgo = new Date(clock.now().getTime() - DAY_MS).toISOString()
      const [givenUp, retrying] = await Promise.all([
        failing(and(gte(mails.attempts, MAX_ATTEMPTS), gt(mails.nextAttemptAt, dayAgo))!),
        failing(lt(mails.attempts, MAX_ATTEMPTS)),
      ])
      const lines: string[] = []
      if (givenUp)
        lines.push(
          `e-mail: ${givenUp.count} given up in the last day after ${MAX_ATTEMPTS} attempts (kept in the mails table); last error: ${givenUp.lastError}`,
        )
      if (retrying)
        lines.push(
          `e-mail: ${retrying.count} not sent yet, to be tried again; last error: ${retrying.lastError}`,
        )
      return lines
    },
  }
}
