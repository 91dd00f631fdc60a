import { createApp } from '../../shared/http/create-app.ts'
import { deadLetterRoutes } from '../../shared/http/dead-letter-routes.ts'
import type { EventStore } from '../../shared/event-store/event-store.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { access } from './access.ts'
import { readRoutes } from './read-routes.ts'
import type { ExecuteRepairCommand } from './repair-commands.ts'
import { repairRoutes } from './repair-routes.ts'
import { policyOf, type RepairsSettings } from './settings.ts'
import { formatCents } from '../../shared/contracts/money.ts'

/** The repairs HTTP API: commands on repairs, the list and a repair's timeline, its dead letters. */
export function createRepairsApp(
  deps: ServiceDeps<RepairsSettings>,
  store: EventStore,
  execute: ExecuteRepairCommand,
) {
  // The dead letters first, before `/api/repairs/{repairId}` takes their path for a repair's id.
  return createApp(deps, access)
    .route('/', deadLetterRoutes('repairs', deps.deadLetters))
    .route('/', repairRoutes(deps, store, execute))
    .route('/', readRoutes(deps.db, formatCents(policyOf(deps.settings).hourlyRateCents)))
}
