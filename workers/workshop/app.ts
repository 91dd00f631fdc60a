import { createApp } from '../../shared/http/create-app.ts'
import { deadLetterRoutes } from '../../shared/http/dead-letter-routes.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { access } from './access.ts'
import type { WorkshopSettings } from './settings.ts'
import { planningRoutes } from './planning-routes.ts'
import { readModelRoutes } from './read-model-routes.ts'

/** The workshop's HTTP API: the plannings (event-sourced), what its read model serves, its dead letters. */
export function createWorkshopApp(deps: ServiceDeps<WorkshopSettings>) {
  const { settings } = deps
  const policy = { workstations: settings.WORKSTATIONS, timeZone: settings.WORKSHOP_TZ }
  return createApp(deps, access)
    .route('/', planningRoutes(deps, policy))
    .route('/', readModelRoutes(deps.db))
    .route('/', deadLetterRoutes('workshop', deps.deadLetters))
}
