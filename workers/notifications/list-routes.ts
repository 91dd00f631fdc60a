import { and, desc, eq } from 'drizzle-orm'
import { Hono } from 'hono'
import * as v from 'valibot'
import { ownedItem } from '../../shared/auth/access.ts'
import { actorOf } from '../../shared/auth/principal.ts'
import { Actor, NotificationId, RepairId } from '../../shared/contracts/index.ts'
import { isUniqueViolation } from '../../shared/db/database.ts'
import { toEnvelopes } from '../../shared/envelope.ts'
import { Forbidden, NotFound } from '../../shared/errors.ts'
import type { AppEnv } from '../../shared/http/app-env.ts'
import { Pagination } from '../../shared/http/pagination.ts'
import { eventMetadata } from '../../shared/http/request-context.ts'
import { validate } from '../../shared/http/validate.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { firstReads, notifications } from './schema.ts'
import { notificationView } from './views.ts'

const NotificationsQuery = v.object({
  recipient: v.optional(Actor),
  repairId: v.optional(RepairId),
  ...Pagination.entries,
})

/** The customer a recipient is, if it is one. */
const customerOf = (recipient: string) => (recipient.startsWith('customer:') ? recipient.slice(9) : '')

/** Roles that see everyone's notifications; the others see their own. */
const overseers = new Set(['support', 'manager'])

/**
 * The notifications, newest first, and a recipient's first read of one. A customer or a mechanic sees
 * their own; support and the manager see everyone's, by recipient and repair if they ask.
 */
export function listRoutes({ db, outbox, clock, newId }: ServiceDeps) {
  const find = async (notificationId: string) =>
    (await db.select().from(notifications).where(eq(notifications.notificationId, notificationId)))[0]

  return new Hono<AppEnv>()
    .get('/api/notifications', validate('query', NotificationsQuery), async (c) => {
      const { recipient, repairId, limit, offset } = c.req.valid('query')
      const principal = c.get('principal')!
      const self = actorOf(principal)
      if (!overseers.has(principal.role) && recipient !== undefined && recipient !== self)
        throw new Forbidden(`A ${principal.role} sees only their own notifications`)
      const shown = overseers.has(principal.role) ? recipient : self
      const rows = await db
        .select()
        .from(notifications)
        .where(
          and(
            shown === undefined ? undefined : eq(notifications.recipient, shown),
            repairId === undefined ? undefined : eq(notifications.repairId, repairId),
          ),
        )
        .orderBy(desc(notifications.sequence))
        .limit(limit)
        .offset(offset)
      return c.json(rows.map(notificationView))
    })
    .post(
      '/api/notifications/:notificationId/read',
      validate('param', v.object({ notificationId: NotificationId })),
      async (c) => {
        const { notificationId } = c.req.valid('param')
        const reader = c.get('actor')
        const missing = `No notification ${notificationId} for you`
        // A customer is refused another's notification as any other data of theirs; to staff, someone
        // else's notification is as unknown as one that does not exist.
        const found = ownedItem(c, await find(notificationId), (n) => customerOf(n.recipient), missing)
        if (found.recipient !== reader) throw new NotFound(missing)
        if (found.readAt !== null) return c.json(notificationView(found))
        const readAt = clock.now().toISOString()
        const { kind, repairId, proposalId, sentAt, recipient } = found
        const read = toEnvelopes(
          [
            {
              type: 'NotificationRead',
              data: { notificationId, recipient, kind, repairId, proposalId, sentAt },
            },
          ],
          { stream: notificationId, after: 1, metadata: eventMetadata(c), clock, newId },
        )
        try {
          await outbox.commit(
            [
              db.insert(firstReads).values({ notificationId, readAt }),
              db
                .update(notifications)
                .set({ readAt })
                .where(eq(notifications.notificationId, notificationId)),
            ],
            read,
          )
        } catch (error) {
          // Read twice at once: the other request recorded the first read.
          if (!isUniqueViolation(error, 'first_reads.notification_id')) throw error
        }
        return c.json(notificationView((await find(notificationId))!))
      },
    )
}
