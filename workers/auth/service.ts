import { defineService } from '../../shared/service.ts'
import { access } from './access.ts'
import { createAuthApp } from './app.ts'
import { AuthSettings } from './settings.ts'

/**
 * Signing in: staff by e-mail and password (`STAFF_ACCOUNTS`), customers by the personal link staff make
 * for them. Issues and revokes the tokens every service verifies, and announces `SessionStarted` and
 * `SessionEnded`.
 */
export const authService = defineService({
  name: 'auth',
  access,
  settings: AuthSettings,
  create: (deps) => ({ app: createAuthApp(deps), consumers: [] }),
})
