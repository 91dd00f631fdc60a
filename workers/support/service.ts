import { defineService } from '../../shared/service.ts'
import { access } from './access.ts'
import { createSupportApp } from './app.ts'
import { SUPPORT_GROUP, supportConsumer } from './consumer.ts'
import { conversations, entries, notificationReads, proposals } from './schema.ts'

/**
 * Support: one conversation per repair, everything between the mechanic and the customer in order
 * (proposals with their prices, answers, expiries, the notifications sent and when each was read), the
 * conversations whose customer has not answered yet, and writing to a customer.
 */
export const supportService = defineService({
  name: 'support',
  access,
  create: (deps) => ({
    app: createSupportApp(deps),
    consumers: [
      {
        group: SUPPORT_GROUP,
        reads: ['repairs', 'notifications'],
        handle: supportConsumer(deps.db),
        // Support's own messages are not among them: they come from its commands, not from a stream.
        readModel: [conversations, proposals, entries, notificationReads],
      },
    ],
  }),
})
