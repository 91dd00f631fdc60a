import type { Context, ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { AppEnv } from './app-env.ts'
import { InvalidInput, NotFound, RuleViolation } from '../errors.ts'

/** An RFC 9457 problem document. */
export interface Problem {
  type: string
  title: string
  status: number
  detail?: string
  errors?: { field: string; message: string }[]
}

export function problem(c: Context, body: Problem): Response {
  return c.newResponse(
    JSON.stringify({ ...body, instance: c.req.path }),
    body.status as ContentfulStatusCode,
    {
      'content-type': 'application/problem+json',
    },
  )
}

/** The one place errors become responses. */
export const onError: ErrorHandler<AppEnv> = (error, c) => {
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
  if (error instanceof HTTPException && error.status < 500) {
    return problem(c, { type: 'about:blank', title: error.message || 'Bad request', status: error.status })
  }
  c.var.logger?.error({ err: error }, 'request failed')
  return problem(c, { type: 'about:blank', title: 'Internal server error', status: 500 })
}

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  problem(c, { type: 'about:blank', title: `No route for ${c.req.method} ${c.req.path}`, status: 404 })
