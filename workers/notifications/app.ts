import { createApp } from '../../shared/http/create-app.ts'
import { deadLetterRoutes } from '../../shared/http/dead-letter-routes.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { access } from './access.ts'
import { listRoutes } from './list-routes.ts'
import type { LiveRecipients } from './live.ts'
import { liveRoutes, type LiveOptions } from './live-routes.ts'

/** The notifications HTTP API: the list, a first read, the live stream, its dead letters. */
export function createNotificationsApp(deps: ServiceDeps, live: LiveRecipients, options: LiveOptions) {
  return createApp(deps, access)
    .route('/', deadLetterRoutes('notifications', deps.deadLetters))
    .route('/', liveRoutes(deps, live, options))
    .route('/', listRoutes(deps))
}
