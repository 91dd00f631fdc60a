import { and, eq, isNull, lt } from 'drizzle-orm'
import type { AnyEvent, Envelope } from '../../shared/contracts/index.ts'
import type { EventHandler } from '../../shared/consumer/consumer-group.ts'
import type { Write } from '../../shared/db/statements.ts'
import { toEnvelopes } from '../../shared/envelope.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import type { LiveRecipients } from './live.ts'
import { addressUnknown, MAX_ATTEMPTS, type Mailer } from './mailer.ts'
import { noticesFor, REPAIR_UNKNOWN, type Notice, type RepairFacts } from './notices.ts'
import { customers, mails, notifications, repairs } from './schema.ts'
import type { NotificationsSettings } from './settings.ts'

/** The consumer group of notifications: it reads customers, workshop, repairs and support. */
export const NOTIFICATIONS_GROUP = 'notifications'

/**
 * Turns the events it reads into notifications for their recipients, each written with its
 * `NotificationSent` in the batch that records the event as applied: one notification per event and
 * recipient, however often the event arrives. A customer's notification also queues its e-mail when
 * SMTP is set up (sent by the mailer, apart from the consumer). It keeps who to tell about each repair
 * and customers' e-mail addresses.
 */
export function notificationsConsumer(
  deps: ServiceDeps<NotificationsSettings>,
  live: LiveRecipients,
  mailer: Pick<Mailer, 'mark'>,
): EventHandler {
  const { db, outbox, clock, newId, settings } = deps

  const repairOf = async (repairId: string): Promise<RepairFacts | undefined> =>
    (await db.select().from(repairs).where(eq(repairs.repairId, repairId)))[0]

  // The inbox makes an event arrive once; this makes it count once even when a read model rebuild
  // applies the whole history again.
  const alreadyTold = async (causeId: string) =>
    new Set(
      (
        await db
          .select({ recipient: notifications.recipient })
          .from(notifications)
          .where(eq(notifications.causeId, causeId))
      ).map((row) => row.recipient),
    )

  async function deliver(cause: Envelope, all: Notice[]): Promise<Write[]> {
    if (all.length === 0) return []
    const told = await alreadyTold(cause.id)
    const notices = all.filter((notice) => !told.has(notice.recipient))
    if (notices.length === 0) return []
    const sentAt = clock.now().toISOString()
    const rows = notices.map(({ details, ...notice }) => ({
      ...notice,
      notificationId: newId(),
      causeId: cause.id,
      details: JSON.stringify(details),
      sentAt,
    }))
    const metadata = { correlationId: cause.correlationId, causationId: cause.id, actor: 'notifications' }
    const sent = rows.flatMap(({ details: _, sentAt: __, ...data }) =>
      toEnvelopes([{ type: 'NotificationSent', data }], {
        stream: data.notificationId,
        after: 0,
        metadata,
        clock,
        newId,
      }),
    )
    const emailed = settings.SMTP_URL
      ? rows.flatMap((row) =>
          row.recipient.startsWith('customer:')
            ? [
                {
                  notificationId: row.notificationId,
                  customerId: row.recipient.slice('customer:'.length),
                  nextAttemptAt: sentAt,
                },
              ]
            : [],
        )
      : []
    return [
      live.mark(
        db.insert(notifications).values(rows),
        rows.map((row) => row.recipient),
      ),
      ...(emailed.length > 0 ? [mailer.mark(db.insert(mails).values(emailed))] : []),
      ...outbox.stage(sent),
    ]
  }

  return async function handle(envelope) {
    const event = envelope as AnyEvent
    const known: Write[] = []
    if (event.type === 'CustomerRegistered') {
      const { customerId, name, emailAddress } = event.data
      const row = { customerId, name, emailAddress }
      known.push(
        db.insert(customers).values(row).onConflictDoUpdate({ target: customers.customerId, set: row }),
      )
      // Mails that waited for this address go out now rather than at their next retry. Only those:
      // no sender is sending them, so none goes twice, and those given up stay given up.
      if (settings.SMTP_URL)
        known.push(
          mailer.mark(
            db
              .update(mails)
              .set({ nextAttemptAt: clock.now().toISOString() })
              .where(
                and(
                  eq(mails.customerId, customerId),
                  isNull(mails.sentAt),
                  eq(mails.lastError, addressUnknown(customerId)),
                  lt(mails.attempts, MAX_ATTEMPTS),
                ),
              ),
          ),
        )
    }
    if (event.type === 'RepairStarted') {
      const { repairId, customerId, licenseNumber } = event.data
      known.push(
        db
          .insert(repairs)
          .values({ repairId, customerId, licenseNumber, mechanic: envelope.actor })
          .onConflictDoNothing(),
      )
    }
    const repairId = (event.data as { repairId?: unknown }).repairId
    const repair = typeof repairId === 'string' ? await repairOf(repairId) : undefined
    const notices = noticesFor(envelope, repair, settings.WORKSHOP_TZ)
    if (notices === REPAIR_UNKNOWN)
      // Another consumer of the group may be applying its start right now: the delivery is tried again.
      throw new Error(`${event.type} of repair ${String(repairId)} came before the repair's start`)
    return [...known, ...(await deliver(envelope, notices))]
  }
}
