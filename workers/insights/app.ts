import { createApp } from '../../shared/http/create-app.ts'
import { deadLetterRoutes } from '../../shared/http/dead-letter-routes.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { access } from './access.ts'
import { figureRoutes } from './figure-routes.ts'
import type { InsightsSettings } from './settings.ts'

/** The insights HTTP API: the manager's figures, and the consumer group's dead letters. */
export function createInsightsApp(deps: ServiceDeps<InsightsSettings>) {
  return createApp(deps, access)
    .route('/', deadLetterRoutes('insights', deps.deadLetters))
    .route('/', figureRoutes(deps))
}
