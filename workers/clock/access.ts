import { anyStaff, managerOnly, type AccessTable } from '../../shared/auth/access.ts'

/** Who may call each endpoint of the clock: any staff reads the time, only the manager moves it. */
export const access = {
  'GET /api/clock': anyStaff,
  'POST /api/clock/advance': managerOnly,
} satisfies AccessTable
