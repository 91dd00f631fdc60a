import type { AccessTable } from '../../shared/auth/access.ts'
import type { Role } from '../../shared/auth/principal.ts'
import { access as auth } from '../auth/access.ts'
import { access as customers } from '../customers/access.ts'
import { access as insights } from '../insights/access.ts'
import { access as notifications } from '../notifications/access.ts'
import { access as parts } from '../parts/access.ts'
import { access as repairs } from '../repairs/access.ts'
import { access as support } from '../support/access.ts'
import { access as vehicles } from '../vehicles/access.ts'
import { access as workshop } from '../workshop/access.ts'
import { access as clock } from '../clock/access.ts'

// The same tables the services enforce: a page shows a link, a form or a button only to a role the
// endpoint behind it lets in, so nobody is led to a 403.
const tables = {
  ...auth,
  ...clock,
  ...customers,
  ...vehicles,
  ...workshop,
  ...repairs,
  ...parts,
  ...notifications,
  ...support,
  ...insights,
} satisfies AccessTable

// The dead-letter rows are built per service, so their keys are not literal types.
export type Endpoint = keyof typeof tables | `${'GET' | 'POST'} /api/${string}/dead-letters${'' | '/redrive'}`

/** Whether `role` may call `endpoint`, by the access table of the service that serves it. */
export const may = (role: Role | undefined, endpoint: Endpoint): boolean => {
  const callers: readonly string[] = (tables as AccessTable)[endpoint] ?? []
  return callers.includes('anyone') || (role !== undefined && callers.includes(role))
}
