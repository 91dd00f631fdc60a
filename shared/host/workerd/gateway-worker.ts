import { createLogger } from '../../logger.ts'
import { createGateway, type GatewayTargets } from '../gateway.ts'
import type { ServiceHealth } from '../health.ts'
import type { Fetcher } from './runtime.ts'
import { ENDPOINTS_PATH, parseGatewayEnv } from './gateway-env.ts'
import { misconfigured } from './worker-app.ts'

/** A service binding per service, named after it in capitals (`CUSTOMERS`), besides the variables. */
type Env = Record<string, unknown>
type WorkerHealth = ServiceHealth & { redis: string }

/** Asks one service worker for its `/health`; a worker that cannot answer is failing. */
async function healthOf(binding: Fetcher): Promise<WorkerHealth> {
  try {
    return (await (await binding.fetch('http://service/health')).json()) as WorkerHealth
  } catch (error) {
    const reason = `unknown: ${(error as Error).message}`
    return {
      status: 'failing',
      database: 'unknown',
      redis: reason,
      problems: [`worker ${reason}`],
      consumers: [],
    }
  }
}

/**
 * The services the gateway is bound to: every binding that can be fetched is a service's worker, named
 * after the service in capitals (`CUSTOMERS`). Found in the bindings, not imported from the registry, so
 * the gateway's bundle carries no service's code.
 */
function targets(env: Env): GatewayTargets {
  const bound = Object.entries(env).flatMap(([key, value]) =>
    typeof (value as Fetcher | undefined)?.fetch === 'function'
      ? [{ name: key.toLowerCase(), binding: value as Fetcher }]
      : [],
  )
  return {
    services: bound.map(({ name, binding }) => ({
      name,
      fetch: (request) => binding.fetch(request),
      endpoints: async () =>
        (await binding.fetch(`http://service${ENDPOINTS_PATH}`)).json() as Promise<string[]>,
    })),
    async health() {
      const reports = await Promise.all(
        bound.map(async ({ name, binding }) => [name, await healthOf(binding)] as const),
      )
      const redis = reports.map(([, r]) => r.redis).find((r) => r !== 'ok') ?? 'ok'
      const services = Object.fromEntries(reports.map(([name, { redis: _, ...report }]) => [name, report]))
      const ok = redis === 'ok' && reports.every(([, r]) => r.status === 'ok')
      return { ok, redis, services }
    },
  }
}

/**
 * The gateway as a workerd module worker: the same `/api/<service>/...`, `/health` and `/` as the Node
 * host, reaching each service through its service binding (`CUSTOMERS`, `VEHICLES`, `WORKSHOP`).
 */
export default {
  fetch(request: Request, env: Env): Response | Promise<Response> {
    let config: ReturnType<typeof parseGatewayEnv>
    try {
      config = parseGatewayEnv(env)
    } catch (error) {
      return misconfigured(request, error as Error)
    }
    const logger = createLogger(config.LOG_LEVEL, { host: 'workerd', service: 'gateway' })
    return createGateway(targets(env), { corsOrigins: config.CORS_ORIGINS, logger }).fetch(request)
  },
}
