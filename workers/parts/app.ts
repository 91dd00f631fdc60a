import { createApp } from '../../shared/http/create-app.ts'
import { deadLetterRoutes } from '../../shared/http/dead-letter-routes.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { access } from './access.ts'
import { catalogueRoutes } from './catalogue-routes.ts'

/** The parts service's HTTP API: the catalogue with its stock, and its consumer group's dead letters. */
export function createPartsApp(deps: ServiceDeps) {
  // Dead letters first, as in the access table: their path also reads as a part's.
  return createApp(deps, access)
    .route('/', deadLetterRoutes('parts', deps.deadLetters))
    .route('/', catalogueRoutes(deps))
}
