import { createLogger } from '../../logger.ts'
import { webApp } from '../../../workers/web/app.tsx'
import type { Assets } from '../../../workers/web/assets.ts'
import { createGateway, type GatewayTargets } from '../gateway.ts'
import type { ServiceHealth } from '../health.ts'
import type { Fetcher } from './runtime.ts'
import { bindingName, ENDPOINTS_PATH, parseGatewayEnv } from './gateway-env.ts'
import { misconfigured } from './worker-app.ts'
import { perBindings } from './per-bindings.ts'

/** A service binding per service, named after it in capitals (`CUSTOMERS`), besides the variables. */
type Env = Record<string, unknown>
/** A worker's `/health`: all of it for the manager, only its status for anyone else. */
type WorkerHealth =
  (ServiceHealth & { redis: string }) | { status: ServiceHealth['status']; redis?: undefined }

/**
 * Asks one service worker for its `/health`, with the caller's credentials (the worker decides what
 * they may see). One that cannot answer, or answers with a problem (a worker misconfigured), is
 * failing, and says why.
 */
async function healthOf(binding: Fetcher, caller: Request): Promise<WorkerHealth> {
  const failing = (reason: string): WorkerHealth => ({
    status: 'failing',
    database: 'unknown',
    redis: 'unknown',
    problems: [`worker ${reason}`],
    consumers: [],
  })
  try {
    const headers = new Headers()
    for (const name of ['authorization', 'cookie']) {
      const value = caller.headers.get(name)
      if (value !== null) headers.set(name, value)
    }
    const response = await binding.fetch('http://service/health', { headers })
    const body = await response.json()
    if (!response.headers.get('content-type')?.startsWith('application/problem+json'))
      return response.ok ? (body as WorkerHealth) : { ...(body as WorkerHealth), status: 'failing' }
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
    async health(request) {
      const reports = await Promise.all(
        bound.map(async ({ name, binding }) => [name, await healthOf(binding, request)] as const),
      )
      const ok = reports.every(([, r]) => r.status === 'ok' && (r.redis ?? 'ok') === 'ok')
      const detailed = reports.flatMap(([name, r]) => (r.redis === undefined ? [] : [[name, r] as const]))
      // Details only when the workers showed theirs, so to the manager; what the gateway makes up itself
      // for a worker that did not answer is no sign of who asks.
      const answered = reports.filter(([, r]) => r.redis !== 'unknown')
      if (detailed.length < reports.length || answered.length === 0) return { ok }
      const redis = detailed.map(([, r]) => r.redis).find((r) => r !== 'ok') ?? 'ok'
      const services = Object.fromEntries(detailed.map(([name, { redis: _, ...report }]) => [name, report]))
      return { ok, redis, services }
    },
  }
}

/**
 * The web app's files from the worker of static assets bound as `WEB_ASSETS`, as it answers them (type,
 * ETag, caching), in a copy the gateway can add its headers to; a path it has no file for is not one.
 */
function assetsOf(files: Fetcher): Assets {
  return async (path) => {
    const response = await files.fetch(`http://assets${path}`)
    if (response.status === 404) {
      await response.body?.cancel()
      return undefined
    }
    return new Response(response.body, response)
  }
}

const gatewayOf = perBindings((env: Env) => {
  const config = parseGatewayEnv(env)
  const logger = createLogger(config.LOG_LEVEL, { host: 'workerd', service: 'gateway' })
  const files = env.WEB_ASSETS as Fetcher | undefined
  return createGateway(targets(env, config.SERVICES), {
    corsOrigins: config.CORS_ORIGINS,
    logger,
    web: webApp(files && assetsOf(files)),
  })
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
