import { anyStaff, managerOnly, mechanicOrManager, type AccessTable } from '../../shared/auth/access.ts'
import { deadLetterAccess } from '../../shared/http/dead-letter-routes.ts'

/**
 * Who may call each endpoint of the workshop. A customer sees only their own jobs; a day's planning
 * shows everyone's, so it is for staff. The event log and the dead letters are the manager's.
 */
export const access = {
  'POST /api/workshop/planning/{date}/jobs': mechanicOrManager,
  'PUT /api/workshop/planning/{date}/jobs/{jobId}/finish': mechanicOrManager,
  'GET /api/workshop/planning/{date}': anyStaff,
  'GET /api/workshop/planning/{date}/jobs/{jobId}': [...anyStaff, 'customer'],
  'GET /api/workshop/jobs?from={date}&to={date}': [...anyStaff, 'customer'],
  'GET /api/workshop/refdata/customers': anyStaff,
  'GET /api/workshop/refdata/customers/{customerId}': anyStaff,
  'GET /api/workshop/refdata/vehicles': anyStaff,
  'GET /api/workshop/refdata/vehicles/{licenseNumber}': anyStaff,
  'GET /api/workshop/events': managerOnly,
  ...deadLetterAccess('workshop'),
} satisfies AccessTable
