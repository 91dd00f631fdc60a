import { createLogger } from '../../logger.ts'
import { createGateway, type GatewayTargets } from '../gateway.ts'
import type { ServiceHealth } from '../health.ts'
import type { Fetcher } from './runtime.ts'
import { bindingName, ENDPOINTS_PATH, parseGatewayEnv } from './gateway-env.ts'
import { misconfigured } from './worker-app.ts'
import { perBindings } from './per-bindings.ts'

/** A service binding per service, named after it in capitals (`CUSTOMERS`), besides the variables. */
type Env = Record<string, unknown>
type WorkerHealth = ServiceHealth & { redis: string }

/**
 * Asks one service worker for its `/health`. One that cannot answer, or answers with a problem (a worker
 * misconfigured), is failing, and says why.
 */
async function healthOf(binding: Fetcher): Promise<WorkerHealth> {
  const failing = (reason: string): WorkerHealth => ({
    status: 'failing',
    database: 'unknown',
    redis: 'unknown',
    problems: [`worker ${reason}`],
    consumers: [],
  })
  try {
    const response = await binding.fetch('http://service/health')
    const body = await response.json()
    if (!response.headers.get('content-type')?.startsWith('application/problem+json'))
      return body as WorkerHealth
    const { title, detail } = body as { title: string; detail?: string }
    return failing(detail ? `${title}: ${detail}` : title)
  } catch (error) {
    return failing(`unknown: ${(error as Error).message}`)
  }
}

/** A service worker's endpoints; none when it cannot say (misconfigured, say): its page stays empty. */
async function endpointsOf(binding: Fetcher): Promise<string[]> {
  const response = await binding.fetch(`http://service${ENDPOINTS_PATH}`)
  if (!response.ok) {
    await response.body?.cancel()
    throw new Error(`endpoints: ${response.status}`)
  }
  return (await response.json()) as string[]
}

/**
 * The services the gateway routes to: those `SERVICES` names (the tooling writes it from the registry),
 * each through its binding (`CUSTOMERS`). Named, not imported from the registry, so the gateway's bundle
 * carries no service's code; and not every binding is a service (static assets, say).
 */
function targets(env: Env, names: string[]): GatewayTargets {
  const unbound: Fetcher = {
    fetch: async () => {
      throw new Error('no service binding')
    },
  }
  const bound = names.map((name) => ({
    name,
    binding: (env[bindingName(name)] as Fetcher | undefined) ?? unbound,
  }))
  return {
    services: bound.map(({ name, binding }) => ({
      name,
      fetch: (request) => binding.fetch(request),
      endpoints: () => endpointsOf(binding),
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

const gatewayOf = perBindings((env: Env) => {
  const config = parseGatewayEnv(env)
  const logger = createLogger(config.LOG_LEVEL, { host: 'workerd', service: 'gateway' })
  return createGateway(targets(env, config.SERVICES), { corsOrigins: config.CORS_ORIGINS, logger })
})

/**
 * The gateway as a workerd module worker: the same `/api/<service>/...`, `/health` and `/` as the Node
 * host, reaching each service through its service binding (`CUSTOMERS`, `VEHICLES`, `WORKSHOP`).
 */
export default {
  fetch(request: Request, env: Env): Response | Promise<Response> {
    let gateway: ReturnType<typeof createGateway>
    try {
      gateway = gatewayOf(env)
    } catch (error) {
      return misconfigured(request, error as Error)
    }
    return gateway.fetch(request)
  },
}
