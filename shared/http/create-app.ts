import { Hono } from 'hono'
import type { NewId } from '../clock.ts'
import type { Logger } from '../logger.ts'
import type { AppEnv } from './app-env.ts'
import { notFound, onError } from './problem.ts'
import { requestContext } from './request-context.ts'

/**
 * A Hono app with the shared middleware and error handling installed.
 *
 * @example
 * const app = createApp({ logger, newId }).get('/api/customers', (c) => c.json([]))
 */
export function createApp(options: { logger: Logger; newId: NewId }) {
  return new Hono<AppEnv>().use(requestContext(options)).notFound(notFound).onError(onError)
}
