import { Hono } from 'hono'
import { managerOnly, type AccessTable } from '../auth/access.ts'
import type { DeadLetterDesk } from '../consumer/dead-letters.ts'
import type { AppEnv } from './app-env.ts'

/** The rows a service with consumer groups adds to its access table: dead letters are the manager's. */
export const deadLetterAccess = (service: string) =>
  ({
    [`GET /api/${service}/dead-letters`]: managerOnly,
    [`POST /api/${service}/dead-letters/redrive`]: managerOnly,
  }) satisfies AccessTable

/**
 * What the service's consumer groups gave up on, with the error (`GET /api/<service>/dead-letters`), and
 * applying them again once the cause is fixed (`POST …/redrive`: 200 when none still fails, else 409
 * with what remains). `npm run dead-letters` is their command line.
 *
 * @example
 * createApp(deps, access).route('/', deadLetterRoutes('workshop', deps.deadLetters))
 */
export function deadLetterRoutes(service: string, desk: DeadLetterDesk) {
  return new Hono<AppEnv>()
    .get(`/api/${service}/dead-letters`, async (c) =>
      c.json({ groups: desk.groups(), letters: await desk.list() }),
    )
    .post(`/api/${service}/dead-letters/redrive`, async (c) => {
      const result = await desk.redrive()
      return c.json(result, result.remaining === 0 ? 200 : 409)
    })
}
