import * as v from 'valibot'
import { CorsOrigins, LogLevel, parseEnvironment } from '../../environment.ts'

// What the gateway worker and the service workers agree on. Kept apart from worker-env.ts, so the
// gateway's bundle carries no database or Redis client.

/** The gateway's service binding to a service's worker (`CUSTOMERS` for customers). */
export const bindingName = (service: string) => service.toUpperCase()

/** Where a service worker tells the gateway its endpoints, for the index page. */
export const ENDPOINTS_PATH = '/endpoints'

/** A service's worker (`pitstop-customers`), as its wrangler config names it. */
export const workerName = (service: string) => `pitstop-${service}`

/** `SERVICES`: the services the gateway routes to, separated by commas, each through its binding. */
const ServiceList = v.pipe(
  v.string(),
  v.transform((s) =>
    s
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  ),
  v.minLength(
    1,
    'must name the services the gateway routes to (npm run dev:edge, build:edge and deploy:edge set it)',
  ),
)

const GatewayEnvironment = v.object({
  SERVICES: ServiceList,
  /** Origins whose browser scripts may call the API, separated by commas; unset, CORS is off. */
  CORS_ORIGINS: v.optional(CorsOrigins, ''),
  LOG_LEVEL: v.optional(LogLevel, 'info'),
})

/** Reads the gateway worker's variables; a bad one fails with a message naming it. */
export function parseGatewayEnv(env: Record<string, unknown>): v.InferOutput<typeof GatewayEnvironment> {
  return parseEnvironment(GatewayEnvironment, env)
}
