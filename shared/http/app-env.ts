import type { Principal } from '../auth/principal.ts'
import type { Logger } from '../logger.ts'

/** Context variables every service can rely on (set by the request-context middleware). */
export interface AppEnv {
  Variables: {
    requestId: string
    correlationId: string
    /** `staff:<email>`, `customer:<id>`, or `anonymous` on the endpoints anyone may call. */
    actor: string
    /** Who sent the request, once its token is verified; absent for anonymous callers. */
    principal?: Principal
    logger: Logger
  }
}
