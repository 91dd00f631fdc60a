import type { MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'

/**
 * CORS for the origins listed, and only for them: a request from any other origin (a preflight too)
 * gets no CORS headers at all and goes on as if CORS were off. Every response says it varies by
 * `Origin`, so a cache never hands one origin's answer to another.
 *
 * @example
 * app.use(corsAllowList(['https://garage.example']))
 */
export function corsAllowList(origins: readonly string[]): MiddlewareHandler {
  if (origins.length === 0) throw new Error('corsAllowList needs at least one origin')
  const allowed = new Set(origins)
  const answer = cors({
    origin: [...allowed],
    // The methods the services take (Hono's default also lists DELETE, PATCH and more).
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-request-id', 'x-correlation-id'],
    // Browsers let scripts read only these beyond the simple response headers.
    exposeHeaders: ['x-request-id', 'x-correlation-id', 'location'],
    maxAge: 600,
  })
  return async function corsAllowList(c, next) {
    if (allowed.has(c.req.header('origin') ?? '')) return answer(c, next)
    await next()
    c.header('vary', 'Origin', { append: true })
  }
}
