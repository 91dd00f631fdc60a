import { defineService } from '../../shared/service.ts'
import { access } from './access.ts'
import { createNotificationsApp } from './app.ts'
import { NOTIFICATIONS_GROUP, notificationsConsumer } from './consumer.ts'
import { LiveRecipients } from './live.ts'
import { createMailer } from './mailer.ts'
import { customers, repairs } from './schema.ts'
import { NotificationsSettings } from './settings.ts'

/** How often a live stream looks for notifications another process committed. */
const POLL_MS = 1_000

/**
 * Notifications for their recipients: the customer hears what happens to their car and is asked for
 * approvals, the mechanic hears the customer's answer. Delivered live over Server-Sent Events, listed,
 * marked read, and sent to customers by e-mail too when SMTP is set up.
 */
export const notificationsService = defineService({
  name: 'notifications',
  access,
  settings: NotificationsSettings,
  create: (deps) => {
    const live = new LiveRecipients()
    const mailer = createMailer(deps)
    return {
      app: createNotificationsApp(deps, live, {
        pollMs: POLL_MS,
        heartbeatMs: deps.settings.SSE_HEARTBEAT_SECONDS * 1000,
      }),
      consumers: [
        {
          group: NOTIFICATIONS_GROUP,
          reads: ['customers', 'workshop', 'repairs', 'support'],
          handle: notificationsConsumer(deps, live, mailer),
          // Notifications are not a read model: they were delivered, and read, at a time of their own.
          readModel: [customers, repairs],
          onApplied: (writes) => {
            live.committed(writes)
            mailer.committed(writes)
          },
        },
      ],
      // E-mails due, retries among them; a commit that queues one starts a pass at once as well.
      tick: () => mailer.tick(),
      problems: () => mailer.problems(),
    }
  },
})
