import { anyStaff, mechanicOrManager, type AccessTable } from '../../shared/auth/access.ts'

/** Who may call each endpoint of the vehicles service; a customer sees only the vehicles they own. */
export const access = {
  'POST /api/vehicles': mechanicOrManager,
  'GET /api/vehicles': [...anyStaff, 'customer'],
  'GET /api/vehicles/{licenseNumber}': [...anyStaff, 'customer'],
} satisfies AccessTable
