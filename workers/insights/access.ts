import { managerOnly, type AccessTable } from '../../shared/auth/access.ts'
import { deadLetterAccess } from '../../shared/http/dead-letter-routes.ts'

/** Who may call each endpoint of insights: the figures are the workshop manager's, as are the dead letters. */
export const access = {
  ...deadLetterAccess('insights'),
  'GET /api/insights/summary': managerOnly,
  'GET /api/insights/daily': managerOnly,
} satisfies AccessTable
