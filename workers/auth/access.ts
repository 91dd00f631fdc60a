import { anyStaff, type AccessTable } from '../../shared/auth/access.ts'

/**
 * Who may call each endpoint of the auth service: anyone signs in; a customer's links are staff's to
 * make, and to end (a link sent to the wrong address, a phone lost).
 */
export const access = {
  'POST /api/auth/login': ['anyone'],
  'POST /api/auth/logout': [...anyStaff, 'customer'],
  'GET /api/auth/me': [...anyStaff, 'customer'],
  'POST /api/auth/customer-link': anyStaff,
  'DELETE /api/auth/customer-link/{customerId}': anyStaff,
} satisfies AccessTable
