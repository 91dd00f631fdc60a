import type { Logger } from '../logger.ts'

/** Context variables every service can rely on (set by the request-context middleware). */
export interface AppEnv {
  Variables: {
    requestId: string
    correlationId: string
    actor: string
    logger: Logger
  }
}
