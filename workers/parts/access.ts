import { anyStaff, managerOnly, type AccessTable } from '../../shared/auth/access.ts'
import { deadLetterAccess } from '../../shared/http/dead-letter-routes.ts'

/**
 * Who may call each endpoint of the parts service. The catalogue and its stock are the manager's to
 * change and every staff member's to read; customers see parts only in the proposals they are asked to
 * approve. The dead letters are the manager's.
 */
export const access = {
  // First: `/api/parts/dead-letters` also reads as the part DEAD-LETTERS, and the first row that matches
  // decides. That part stays reachable as `/api/parts/DEAD-LETTERS`, its number as the catalogue keeps it.
  ...deadLetterAccess('parts'),
  'POST /api/parts': managerOnly,
  'POST /api/parts/{partNumber}/lots': managerOnly,
  'GET /api/parts': anyStaff,
  'GET /api/parts/{partNumber}': anyStaff,
} satisfies AccessTable
