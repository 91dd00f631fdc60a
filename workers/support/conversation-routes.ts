import { Hono } from 'hono'
import * as v from 'valibot'
import { RepairId } from '../../shared/contracts/index.ts'
import { NotFound } from '../../shared/errors.ts'
import type { AppEnv } from '../../shared/http/app-env.ts'
import { Pagination } from '../../shared/http/pagination.ts'
import { validate } from '../../shared/http/validate.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { conversationStatuses } from './conversation.ts'
import { conversationEntries, findConversation, listConversations } from './queries.ts'
import { conversationView, entryView } from './views.ts'

export const ConversationParam = v.object({ repairId: RepairId })

const ConversationsQuery = v.object({
  status: v.optional(v.picklist(conversationStatuses, `must be one of ${conversationStatuses.join(', ')}`)),
  ...Pagination.entries,
})

/** The conversations, by status, and one conversation with everything said in it. */
export function conversationRoutes({ db, clock }: ServiceDeps) {
  return new Hono<AppEnv>()
    .get('/api/support/conversations', validate('query', ConversationsQuery), async (c) => {
      const query = c.req.valid('query')
      const now = clock.now()
      return c.json((await listConversations(db, query)).map((row) => conversationView(row, now)))
    })
    .get(
      '/api/support/conversations/:repairId',
      validate('param', ConversationParam),
      validate('query', Pagination),
      async (c) => {
        const { repairId } = c.req.valid('param')
        const { limit, offset } = c.req.valid('query')
        const found = await findConversation(db, repairId)
        if (!found) throw new NotFound(`No conversation about repair ${repairId}`)
        const said = await conversationEntries(db, repairId)
        // A page at a time: support may write without end, and one answer should stay small.
        return c.json({
          ...conversationView(found, clock.now()),
          totalEntries: said.length,
          entries: said.slice(offset, offset + limit).map(entryView),
        })
      },
    )
}
