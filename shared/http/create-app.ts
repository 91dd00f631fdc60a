import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { methodNotAllowed } from 'hono/method-not-allowed'
import { accessControl, type AccessTable } from '../auth/access.ts'
import type { Tokens } from '../auth/tokens.ts'
import type { NewId } from '../clock.ts'
import type { Logger } from '../logger.ts'
import type { AppEnv } from './app-env.ts'
import { methodNotAllowedProblem, notFound, onError, problem } from './problem.ts'
import { requestContext } from './request-context.ts'
import { securityHeaders } from './security-headers.ts'

/** The HTTP limits every service's app keeps, whatever the service. */
export interface HttpSettings {
  /** Request bodies larger than this are refused with 413. */
  maxBodyBytes: number
}

/**
 * A Hono app with the shared middleware and error handling installed: request context, security
 * headers, the service's access table (401/403 before anything is read), 405 with `Allow` for a path
 * asked with a method it does not take, bodies of at most `http.maxBodyBytes` (413 before anything is
 * parsed) and in JSON (415 otherwise), every error as problem+json.
 *
 * @example
 * const app = createApp(deps, { 'GET /api/customers': anyStaff }).get('/api/customers', (c) => c.json([]))
 */
export function createApp(
  options: { logger: Logger; newId: NewId; http: HttpSettings; tokens: Tokens },
  access: AccessTable,
) {
  const { maxBodyBytes } = options.http
  const app = new Hono<AppEnv>()
  return app
    .use(requestContext(options))
    .use(securityHeaders())
    .use(accessControl(access, options.tokens))
    .use(methodNotAllowed({ app, onMethodNotAllowed: methodNotAllowedProblem }))
    .use(bodiesOfAtMost(maxBodyBytes))
    .use(jsonBodies)
    .notFound(notFound)
    .onError(onError)
}

/** Whether the request's headers say it carries a body (HTTP/1.1 always says; HTTP/2 may not). */
const declaresBody = (c: Context<AppEnv>) =>
  c.req.header('transfer-encoding') !== undefined || (c.req.header('content-length') ?? '0') !== '0'

/**
 * Bodies of at most `maxBytes`, else 413 before anything is parsed. A body whose length is declared is
 * judged by its `Content-Length` alone; one without (chunked, HTTP/2) is counted as it streams in, by
 * Hono's `bodyLimit`. A `Content-Length` that is not a number is 400: it would pass `bodyLimit` unread.
 */
function bodiesOfAtMost(maxBytes: number): MiddlewareHandler<AppEnv> {
  const tooLarge = (c: Context<AppEnv>) => {
    // The rest of the body is not read: the connection cannot carry another request after it.
    c.header('connection', 'close')
    return problem(c, {
      type: 'about:blank',
      title: `The request body is larger than ${maxBytes} bytes`,
      status: 413,
    })
  }
  const streamed = bodyLimit({ maxSize: maxBytes, onError: tooLarge })
  return async function bodiesOfAtMost(c, next) {
    const length = c.req.header('content-length')
    const chunked = c.req.header('transfer-encoding') !== undefined
    if (length !== undefined && !chunked) {
      if (!/^\d+$/.test(length)) {
        c.header('connection', 'close')
        return problem(c, {
          type: 'about:blank',
          title: 'Content-Length must be a number of bytes',
          status: 400,
        })
      }
      return Number(length) > maxBytes ? tooLarge(c) : next()
    }
    // No body a service reads. Not asked of the request: on the Node server that turns it into a full
    // web `Request` and its body into a web stream, a third of the cost of a command.
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    return streamed(c, next)
  }
}

/** Every body the services take is JSON: another content type is refused before it is read as one. */
const jsonBodies: MiddlewareHandler<AppEnv> = async (c, next) => {
  const type = c.req.header('content-type') ?? ''
  if (declaresBody(c) && !/^application\/([\w.+-]+\+)?json\s*(;|$)/i.test(type))
    return problem(c, {
      type: 'about:blank',
      title: `The request body must be JSON (Content-Type: application/json), not ${type || 'untyped'}`,
      status: 415,
    })
  await next()
}
