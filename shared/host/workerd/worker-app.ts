import { newUuidV7 } from '../../clock.ts'
import { conventionalApp } from '../../http/conventional-app.ts'
import { problem } from '../../http/problem.ts'

// Kept apart from worker-env.ts, like gateway-env.ts: the gateway worker uses it too, and its bundle
// carries no database or Redis client.

/**
 * A Hono app for what a worker answers itself rather than through a service's app (`/health`, the
 * endpoints, a misconfiguration), under the same conventions as the apps: an `x-request-id` (the
 * caller's, when safe), the security headers, 405 with `Allow` for a wrong method, every error as
 * problem+json. What the worker knows of the invocation comes in as the app's bindings.
 *
 * @example
 * const own = workerApp<{ api: string[] }>().get('/endpoints', (c) => c.json(c.env.api))
 * return own.fetch(request, { api: Object.keys(definition.access) })
 */
export function workerApp<Bindings extends object = object>() {
  return conventionalApp<{ Bindings: Bindings }>({ newId: newUuidV7 })
}

const misconfiguredApp = workerApp<{ error: Error }>().all('*', (c) =>
  problem(c, {
    type: 'about:blank',
    title: 'The worker is misconfigured',
    status: 500,
    detail: c.env.error.message,
  }),
)

/**
 * A worker deployed without the bindings it needs answers every request with a 500 problem+json that
 * says which, instead of failing each request obscurely.
 *
 * @example
 * try { config = parseGatewayEnv(env) } catch (error) { return misconfigured(request, error as Error) }
 */
export function misconfigured(request: Request, error: Error): Response | Promise<Response> {
  return misconfiguredApp.fetch(request, { error })
}
