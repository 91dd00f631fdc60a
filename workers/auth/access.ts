import { anyStaff, type AccessTable } from '../../shared/auth/access.ts'

/** Who may call each endpoint of the auth service: anyone signs in; a customer's link is staff's to make. */
export const access = {
  'POST /api/auth/login': ['anyone'],
  'POST /api/auth/logout': [...anyStaff, 'customer'],
  'GET /api/auth/me': [...anyStaff, 'customer'],
  'POST /api/auth/customer-link': anyStaff,
} satisfies AccessTable
