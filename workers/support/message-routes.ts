import { Hono } from 'hono'
import { WriteMessageBody } from '../../shared/contracts/index.ts'
import { toEnvelopes } from '../../shared/envelope.ts'
import { NotFound } from '../../shared/errors.ts'
import type { AppEnv } from '../../shared/http/app-env.ts'
import { answerOnce } from '../../shared/http/idempotency.ts'
import { eventMetadata } from '../../shared/http/request-context.ts'
import { validate } from '../../shared/http/validate.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { ConversationParam } from './conversation-routes.ts'
import { findConversation, messageEntry } from './queries.ts'
import { messages } from './schema.ts'
import { entryView } from './views.ts'

/**
 * Support writing to the customer of a repair: the message and its `SupportMessageWritten` in one
 * commit; the notifications service delivers it, and its notification joins the conversation.
 */
export function messageRoutes({ db, outbox, clock, newId }: ServiceDeps) {
  const once = answerOnce(db, clock)

  return new Hono<AppEnv>().post(
    '/api/support/conversations/:repairId/messages',
    validate('param', ConversationParam),
    validate('json', WriteMessageBody),
    async (c) => {
      const { repairId } = c.req.valid('param')
      const { text } = c.req.valid('json')
      const conversation = await findConversation(db, repairId)
      // Without its start the customer is not known: there is nobody to write to yet.
      if (!conversation) throw new NotFound(`No conversation about repair ${repairId}`)
      const messageId = newId()
      const { customerId } = conversation
      const metadata = eventMetadata(c)
      const [written] = toEnvelopes(
        [{ type: 'SupportMessageWritten', data: { messageId, repairId, customerId, text } }],
        { stream: messageId, after: 0, metadata, clock, newId },
      )
      const message = {
        messageId,
        eventId: written!.id,
        repairId,
        customerId,
        author: metadata.actor,
        text,
        writtenAt: written!.occurredAt,
      }
      const answer = {
        status: 201 as const,
        body: {
          ...entryView(messageEntry(message)),
          messageId,
          repairId,
          customerId,
        },
        location: `/api/support/conversations/${repairId}`,
      }
      // Message ids are made here, so a retry is known by its Idempotency-Key alone.
      return once(c, { operation: 'write-message', command: { repairId, text } }, (record) =>
        outbox.commit([db.insert(messages).values(message), ...record(answer)], [written!]),
      )
    },
  )
}
