import { Hono, type Env, type MiddlewareHandler } from 'hono'
import { methodNotAllowed } from 'hono/method-not-allowed'
import type { NewId } from '../clock.ts'
import { methodNotAllowedProblem, notFound, onError } from './problem.ts'
import { requestId } from './request-id.ts'
import { securityHeaders } from './security-headers.ts'

/**
 * A Hono app whose every response keeps the HTTP conventions of the services' apps, for the apps that
 * are not a service's (the gateway, what a worker answers itself): an `x-request-id` (the caller's when
 * safe), the security headers, 405 problem+json with `Allow` for a path asked with another method, every
 * error as problem+json. `use` runs after the id and headers and before the 405 check, so CORS can
 * answer its preflights there.
 *
 * @example
 * const app = conventionalApp({ newId, use: [corsAllowList(origins)] }).get('/health', (c) => c.json({}))
 */
export function conventionalApp<E extends Env = Env>({
  newId,
  use = [],
}: {
  newId: NewId
  use?: MiddlewareHandler<E & { Variables: { requestId: string } }>[]
}) {
  const app = new Hono<E & { Variables: { requestId: string } }>()
  app.use(requestId({ newId }), securityHeaders(), ...use)
  app.use(methodNotAllowed({ app, onMethodNotAllowed: methodNotAllowedProblem }))
  app.notFound(notFound).onError(onError)
  return app
}
