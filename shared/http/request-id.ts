import type { MiddlewareHandler } from 'hono'
import type { NewId } from '../clock.ts'

// Short, and nothing a log line or a header could be split or forged with.
const safeId = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * An id a caller sent (`x-request-id`, `x-correlation-id`) when it is safe to log and echo, else `undefined`.
 *
 * @example
 * incomingId(c.req.header('x-request-id')) ?? newId()
 */
export function incomingId(value: string | undefined): string | undefined {
  return value && safeId.test(value) ? value : undefined
}

/**
 * Gives every request an id, keeping the caller's `x-request-id` when it is safe (see `incomingId`),
 * and echoes it on the response, for apps that want only that (the gateway); services get it from
 * `requestContext`.
 *
 * @example
 * app.use(requestId({ newId })).get('/', (c) => c.text(c.get('requestId')))
 */
export function requestId({ newId }: { newId: NewId }): MiddlewareHandler<{
  Variables: { requestId: string }
}> {
  return async function requestId(c, next) {
    const id = incomingId(c.req.header('x-request-id')) ?? newId()
    c.set('requestId', id)
    // Set before the handler runs, so it goes into whatever response is built, error or not.
    c.header('x-request-id', id)
    await next()
  }
}
