import { createApp } from '../../shared/http/create-app.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { planningRoutes } from './planning-routes.ts'
import { readModelRoutes } from './read-model-routes.ts'

/** The workshop's HTTP API: the plannings (event-sourced), then what its read model serves. */
export function createWorkshopApp(deps: ServiceDeps) {
  const { logger, newId, settings } = deps
  const policy = { workstations: settings.workstations, timeZone: settings.timeZone }
  return createApp({ logger, newId, maxBodyBytes: settings.maxBodyBytes })
    .route('/', planningRoutes(deps, policy))
    .route('/', readModelRoutes(deps.db))
}
