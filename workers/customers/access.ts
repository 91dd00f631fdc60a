import { anyStaff, mechanicOrManager, type AccessTable } from '../../shared/auth/access.ts'

/** Who may call each endpoint of the customers service; a customer sees only their own record. */
export const access = {
  'POST /api/customers': mechanicOrManager,
  'GET /api/customers': anyStaff,
  'GET /api/customers/{customerId}': [...anyStaff, 'customer'],
} satisfies AccessTable
