import { anyStaff, mechanicOrManager, type AccessTable } from '../../shared/auth/access.ts'
import { deadLetterAccess } from '../../shared/http/dead-letter-routes.ts'

/**
 * Who may call each endpoint of repairs. Mechanics (and the manager) carry out repairs; only the
 * repair's own customer approves or rejects extra work, and sees their repair beside the staff. The
 * dead letters are the manager's.
 */
export const access = {
  // First: `/api/repairs/dead-letters` is also the shape of `/api/repairs/{repairId}`, and the first row wins.
  ...deadLetterAccess('repairs'),
  'POST /api/repairs': mechanicOrManager,
  'GET /api/repairs': anyStaff,
  'GET /api/repairs/{repairId}': [...anyStaff, 'customer'],
  'POST /api/repairs/{repairId}/proposals': mechanicOrManager,
  'POST /api/repairs/{repairId}/approve': ['customer'],
  'POST /api/repairs/{repairId}/reject': ['customer'],
  'POST /api/repairs/{repairId}/complete': mechanicOrManager,
} satisfies AccessTable
