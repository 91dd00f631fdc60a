import type { Context, ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Logger } from '../logger.ts'
import {
  Forbidden,
  InvalidInput,
  NotFound,
  RuleViolation,
  TooManyRequests,
  Unauthenticated,
} from '../errors.ts'

/** An RFC 9457 problem document. */
export interface Problem {
  type: string
  title: string
  status: number
  detail?: string
  errors?: { field: string; message: string }[]
}

/**
 * The problem as the response, `instance` being the request's path.
 *
 * @example
 * return problem(c, { type: 'about:blank', title: 'No such job', status: 404 })
 */
export function problem(c: Context, body: Problem, headers: Record<string, string> = {}): Response {
  return c.newResponse(
    JSON.stringify({ ...body, instance: c.req.path }),
    body.status as ContentfulStatusCode,
    { ...headers, 'content-type': 'application/problem+json' },
  )
}

/** The one place errors become responses; an unexpected one is logged with the app's `logger`, if any. */
export const onError: ErrorHandler = (error, c) => {
  if (error instanceof InvalidInput) {
    return problem(c, {
      type: 'urn:pitstop:problem:invalid-input',
      title: 'The request is not valid',
      status: 400,
      detail: error.message,
      errors: error.issues,
    })
  }
  if (error instanceof RuleViolation) {
    return problem(c, { type: `urn:pitstop:rule:${error.rule}`, title: error.message, status: error.status })
  }
  if (error instanceof NotFound) return problem(c, { type: 'about:blank', title: error.message, status: 404 })
  if (error instanceof Forbidden)
    return problem(c, { type: 'urn:pitstop:problem:forbidden', title: error.message, status: 403 })
  if (error instanceof Unauthenticated)
    return problem(
      c,
      { type: `urn:pitstop:problem:${error.problem}`, title: error.message, status: 401 },
      { 'www-authenticate': error.challenge },
    )
  if (error instanceof TooManyRequests)
    return problem(
      c,
      { type: 'urn:pitstop:problem:too-many-requests', title: error.message, status: 429 },
      { 'retry-after': String(error.retryAfterSeconds) },
    )
  if (error instanceof HTTPException && error.status < 500) {
    return problem(c, { type: 'about:blank', title: error.message || 'Bad request', status: error.status })
  }
  const logger: Logger | undefined = c.get('logger')
  if (clientWentAway(error)) {
    // Cut off for being slow (REQUEST_TIMEOUT_MS), or gone: not a fault here, and nobody reads the answer.
    logger?.warn('the client closed the connection before its request body arrived')
    return problem(c, { type: 'about:blank', title: 'The request body did not arrive', status: 408 })
  }
  logger?.error({ err: error }, 'request failed')
  return problem(c, { type: 'about:blank', title: 'Internal server error', status: 500 })
}

/** Node's error for a request whose connection closed while its body was being read. */
const clientWentAway = (error: Error) =>
  error.message === 'aborted' && (error as Error & { code?: string }).code === 'ECONNRESET'

export const notFound: NotFoundHandler = (c) =>
  problem(c, { type: 'about:blank', title: `No route for ${c.req.method} ${c.req.path}`, status: 404 })

/** For Hono's `methodNotAllowed`: a path that exists, asked with another method, says which it takes. */
export const methodNotAllowedProblem = (c: Context, methods: string[]) =>
  problem(
    c,
    { type: 'about:blank', title: `${c.req.method} is not allowed on ${c.req.path}`, status: 405 },
    { allow: methods.join(', ') },
  )
