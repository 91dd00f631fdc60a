import { type AccessTable } from '../../shared/auth/access.ts'
import { deadLetterAccess } from '../../shared/http/dead-letter-routes.ts'

const supportDesk = ['support', 'manager'] as const

/** Who may call each endpoint of support: the support desk and the manager; the dead letters are the manager's. */
export const access = {
  // First: `/api/support/dead-letters` stays apart from anything under the conversations.
  ...deadLetterAccess('support'),
  'GET /api/support/conversations': supportDesk,
  'GET /api/support/conversations/{repairId}': supportDesk,
  'POST /api/support/conversations/{repairId}/messages': supportDesk,
} satisfies AccessTable
