import { createApp } from '../../shared/http/create-app.ts'
import { deadLetterRoutes } from '../../shared/http/dead-letter-routes.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { access } from './access.ts'
import { conversationRoutes } from './conversation-routes.ts'
import { messageRoutes } from './message-routes.ts'

/** The support HTTP API: the conversations, writing to a customer, its dead letters. */
export function createSupportApp(deps: ServiceDeps) {
  return createApp(deps, access)
    .route('/', deadLetterRoutes('support', deps.deadLetters))
    .route('/', conversationRoutes(deps))
    .route('/', messageRoutes(deps))
}
