import type { Bus } from '../../bus/bus.ts'
import { newUuidV7, systemClock } from '../../clock.ts'
import { connectDatabase, type Database } from '../../db/database.ts'
import { createLogger, type Logger } from '../../logger.ts'
import type { ServiceDefinition } from '../../service.ts'
import { checkRedis } from '../health.ts'
import { wireService } from '../wiring.ts'
import type { DurableObjectNamespace, DurableObjectState, ExecutionContext } from './runtime.ts'
import { ENDPOINTS_PATH } from './gateway-env.ts'
import { misconfigured, workerApp } from './worker-app.ts'
import { parseWorkerEnv, type WorkerConfig } from './worker-env.ts'

type Env = Record<string, unknown> & { CONSUMER_POLLER?: DurableObjectNamespace }

// workerd ties a socket to the invocation that opened it, so every invocation connects, works and closes.
interface Invocation {
  config: WorkerConfig
  database: Database
  logger: Logger
}

async function begin(definition: ServiceDefinition, env: Env): Promise<Invocation> {
  const config = parseWorkerEnv(definition, env)
  const database = await connectDatabase(config.libsqlUrl, config.LIBSQL_AUTH_TOKEN)
  const logger = createLogger(config.LOG_LEVEL, { host: 'workerd', service: definition.name })
  return { config, database, logger }
}

/** The service put together for one invocation; its consumer groups share the invocation's bus. */
function wire(
  definition: ServiceDefinition,
  { config, database, logger }: Invocation,
  bus: Bus,
  onCommitted: () => void = () => {},
) {
  return wireService(definition, {
    db: database.db,
    bus,
    streamPrefix: config.STREAM_PREFIX,
    streamKeep: config.STREAM_KEEP,
    logger,
    clock: systemClock,
    newId: newUuidV7,
    http: { maxBodyBytes: config.MAX_BODY_BYTES },
    settings: config.settings,
    consumers: {
      // A stable name: the next invocation drains what this one left pending.
      name: `${definition.name}-edge`,
      bus: () => bus,
      claimIdleMs: config.CLAIM_IDLE_MS,
      maxDeliveries: config.MAX_DELIVERIES,
    },
    onCommitted,
  })
}

/** Publishes what was committed, then runs each consumer group for at most the poll budget. */
async function backgroundPass(definition: ServiceDefinition, invocation: Invocation): Promise<number> {
  const { config } = invocation
  const bus = config.openBus(`pitstop-${definition.name}-background`)
  try {
    const { relay, consumers } = wire(definition, invocation, bus)
    await relay.flush()
    await relay.trim()
    let applied = 0
    for (const group of consumers) applied += await group.poll(config.POLL_BUDGET_MS)
    return applied
  } finally {
    await bus.close()
  }
}

/**
 * Makes sure the consumer alarm is set. An alarm, once set, sets itself again after each pass, so the
 * worker arms it on its first request per isolate and on every cron tick, not on every request.
 */
function armPoller(env: Env): Promise<unknown> {
  const namespace = env.CONSUMER_POLLER
  if (!namespace) return Promise.resolve()
  return namespace.get(namespace.idFromName('consumers')).fetch('http://poller/arm', { method: 'POST' })
}

/**
 * A service as a workerd module worker: `fetch` serves its API (and `/health`), publishes right after
 * a commit (`waitUntil`), `scheduled` is the relay backstop and a bounded consumer pass. Services with
 * consumers also export `ConsumerPoller`, a Durable Object whose alarm polls every `POLL_INTERVAL_MS`,
 * since cron fires at most once a minute.
 *
 * @example
 * const { worker, ConsumerPoller } = serviceWorker(workshopService)
 * export { ConsumerPoller }
 * export default worker
 */
export function serviceWorker(definition: ServiceDefinition) {
  let armed = false
  // Only these two paths go through it: every other request goes straight to the service's app,
  // which has the same middleware.
  const own = workerApp<{ invocation: Invocation }>()
    .get('/health', async (c) => {
      const { report, ok } = await health(definition, c.env.invocation)
      return c.json(report, ok ? 200 : 503)
    })
    .get(ENDPOINTS_PATH, (c) => c.json(definition.api))
  const worker = {
    async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
      const { pathname } = new URL(request.url)
      // The endpoints are the definition's: nothing to connect to for them.
      if (pathname === ENDPOINTS_PATH) return own.fetch(request)
      let invocation: Invocation
      try {
        invocation = await begin(definition, env)
      } catch (error) {
        return misconfigured(request, error as Error)
      }
      if (!armed) {
        armed = true
        ctx.waitUntil(
          armPoller(env).catch((error) => invocation.logger.warn({ err: error }, 'arming failed')),
        )
      }
      if (pathname === '/health') return own.fetch(request, { invocation })
      // Connected only when a commit gives the relay something to publish.
      const bus = invocation.config.openBus(`pitstop-${definition.name}-relay`)
      let committed = false
      const { app, relay } = wire(definition, invocation, bus, () => (committed = true))
      const response = await app.fetch(request)
      ctx.waitUntil((committed ? relay.flush() : Promise.resolve()).finally(() => bus.close()))
      return response
    },

    async scheduled(_controller: unknown, env: Env, ctx: ExecutionContext): Promise<void> {
      const invocation = await begin(definition, env)
      ctx.waitUntil(armPoller(env))
      await backgroundPass(definition, invocation)
    },
  }

  class ConsumerPoller {
    constructor(
      private readonly state: DurableObjectState,
      private readonly env: Env,
    ) {}

    async fetch(): Promise<Response> {
      if ((await this.state.storage.getAlarm()) === null) await this.state.storage.setAlarm(Date.now())
      return new Response(null, { status: 204 })
    }

    async alarm(): Promise<void> {
      const invocation = await begin(definition, this.env)
      try {
        await backgroundPass(definition, invocation)
      } catch (error) {
        invocation.logger.warn({ err: error }, 'consumer pass failed; polling again')
      }
      await this.state.storage.setAlarm(Date.now() + invocation.config.POLL_INTERVAL_MS)
    }
  }

  return { worker, ConsumerPoller }
}

/** The service's health report with Redis's, and whether all is well. */
async function health(definition: ServiceDefinition, invocation: Invocation) {
  const bus = invocation.config.openBus(`pitstop-${definition.name}-health`)
  try {
    const redis = await checkRedis(bus)
    const service = wire(definition, invocation, bus)
    // A relay of this invocation knows whether it may publish only once it has looked at the stream.
    if (redis === 'ok') await service.relay.flush()
    const report = await service.health(redis)
    return { report: { ...report, redis }, ok: redis === 'ok' && report.status === 'ok' }
  } finally {
    await bus.close()
  }
}
