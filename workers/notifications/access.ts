import { type AccessTable } from '../../shared/auth/access.ts'
import { staffRoles } from '../../shared/auth/principal.ts'
import { deadLetterAccess } from '../../shared/http/dead-letter-routes.ts'

const everyone = [...staffRoles, 'customer'] as const

/**
 * Who may call each endpoint of notifications: everyone signed in has notifications of their own (the
 * handlers narrow to them), support and the manager see everyone's. The dead letters are the manager's.
 */
export const access = {
  // First: `/api/notifications/dead-letters` would otherwise be taken for nothing else, but stays apart.
  ...deadLetterAccess('notifications'),
  'GET /api/notifications': everyone,
  'GET /api/notifications/stream': everyone,
  'POST /api/notifications/{notificationId}/read': everyone,
} satisfies AccessTable
