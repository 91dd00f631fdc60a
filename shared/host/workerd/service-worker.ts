import { createClient } from '@libsql/client'
import { drizzle } from 'drizzle-orm/libsql'
import { AsyncLocalStorage } from 'node:async_hooks'
import { callerOf } from '../../auth/access.ts'
import { RevocationList, revokedSessionsKey } from '../../auth/revocations.ts'
import { createTokens, type Tokens } from '../../auth/tokens.ts'
import type { Bus } from '../../bus/bus.ts'
import { newUuidV7, systemClock, type Clock } from '../../clock.ts'
import type { Db } from '../../db/database.ts'
import { createLogger, type Logger } from '../../logger.ts'
import type { ServiceDefinition } from '../../service.ts'
import { checkRedis, seesHealthDetails } from '../health.ts'
import { hostClock, wireService, type WiredService } from '../wiring.ts'
import type { DurableObjectNamespace, DurableObjectState, ExecutionContext } from './runtime.ts'
import { ENDPOINTS_PATH } from './gateway-env.ts'
import { invocationBus } from './invocation-bus.ts'
import { perBindings } from './per-bindings.ts'
import { misconfigured, workerApp } from './worker-app.ts'
import { parseWorkerEnv, type WorkerConfig } from './worker-env.ts'

type Env = Record<string, unknown> & { CONSUMER_POLLER?: DurableObjectNamespace }

/**
 * What an isolate keeps from one invocation to the next: the service built once, with a database
 * client that makes each HTTP request in the invocation that asks, and no socket, since workerd ties a
 * socket to the invocation that opened it.
 */
interface Isolate {
  config: WorkerConfig
  db: Db
  logger: Logger
  tokens: Tokens
  /** With `CLOCK=manual`, synced from Redis before each request over the invocation's bus. */
  clock: Clock
  /** The service serving requests; its Redis commands go over the bus of the invocation they run in. */
  service: WiredService
  invocation: AsyncLocalStorage<Invocation>
  /** Sends each command over the bus of the invocation it runs in. */
  bus: Bus
  /** The service of background passes, kept from one to the next (see `backgroundPass`). */
  background?: Background
  /** When each consumer group is next polled even if Redis shows it caught up (see `backgroundPass`). */
  fullPollDue: Map<string, number>
}

/**
 * The service background passes run on, with what its groups and relay learnt (positions, origins,
 * groups created in Redis), and whether the last pass on it ended well. One that did not (it failed, it
 * still runs beside a new one, or workerd cancelled its invocation, leaving promises that never settle)
 * may have left its relay or groups half way: the next pass builds another.
 */
interface Background {
  service: WiredService
  reusable: boolean
}

/** What belongs to one invocation. */
interface Invocation {
  /** Opened by the invocation's first Redis command; one whose commit joins another's relay pass sends none. */
  bus?: Bus
  /** The relay pass this invocation's commit started, which it waits for before it ends. */
  publishing?: Promise<void>
  /** A refresh of the revoked sessions this invocation started, which its connection serves to the end. */
  refreshing?: Promise<void>
}

/** The service and what it runs on, built from the bindings (once per isolate: see `perBindings`). */
function buildIsolate(definition: ServiceDefinition, env: Env): Isolate {
  const config = parseWorkerEnv(definition, env)
  // No limit on requests in flight: a queued statement would be sent by whichever invocation's request
  // finished first, and workerd cancels an invocation that waits on another's I/O.
  const client = createClient({
    url: config.libsqlUrl,
    authToken: config.LIBSQL_AUTH_TOKEN,
    concurrency: Infinity,
  })
  const db = drizzle(client)
  const logger = createLogger(config.LOG_LEVEL, { host: 'workerd', service: definition.name })
  const invocation = new AsyncLocalStorage<Invocation>()
  const bus = invocationBus(() => {
    const current = invocation.getStore()
    if (current) current.bus ??= config.openBus(`pitstop-${definition.name}-relay`)
    return current?.bus
  })
  const clock = hostClock(config.CLOCK, bus, config.STREAM_PREFIX)
  // The isolate's copy of the revoked sessions is refreshed over the bus of the request that finds it stale.
  const revocations = new RevocationList({
    bus,
    key: revokedSessionsKey(config.STREAM_PREFIX),
    clock,
    logger,
    onRefresh: (refresh) => {
      const current = invocation.getStore()
      if (current) current.refreshing = refresh
    },
  })
  const tokens = createTokens({ keys: config.authKeys, clock, revocations })
  const service = wire(definition, { config, db, logger, clock, tokens }, bus, () => {
    // A commit during another invocation's pass is published by that pass.
    const pass = service.relay.kick()
    const current = invocation.getStore()
    if (pass && current) current.publishing = pass
  })
  return { config, db, logger, clock, tokens, service, invocation, bus, fullPollDue: new Map() }
}

/** The service put together on `bus`; its consumer groups share it. Each commit is its own transaction. */
function wire(
  definition: ServiceDefinition,
  { config, db, logger, clock, tokens }: Pick<Isolate, 'config' | 'db' | 'logger' | 'clock' | 'tokens'>,
  bus: Bus,
  onCommitted?: () => void,
) {
  return wireService(definition, {
    db,
    bus,
    streamPrefix: config.STREAM_PREFIX,
    streamKeep: config.STREAM_KEEP,
    logger,
    clock,
    newId: newUuidV7,
    http: { maxBodyBytes: config.MAX_BODY_BYTES },
    tokens,
    settings: config.settings,
    production: config.NODE_ENV === 'production',
    longLived: false,
    consumers: {
      // A stable name: the next invocation drains what this one left pending.
      name: `${definition.name}-edge`,
      bus: () => bus,
      claimIdleMs: config.CLAIM_IDLE_MS,
      maxDeliveries: config.MAX_DELIVERIES,
    },
    // workerd lets no invocation wait on a database request another one sent.
    groupCommit: false,
    // Consumers here poll (every POLL_INTERVAL_MS), so publishing 10 ms later delays no effect, and under
    // load one outbox read and one append serve the commits of those 10 ms instead of one each.
    relayGatherMs: 10,
    onCommitted,
  })
}

/**
 * Runs the service's background work (`tick`), publishes what was committed, then runs each consumer
 * group for at most the poll budget. From cron and from the poller's alarm alike: a service with
 * consumers meets its deadlines (an approval expiring) within `POLL_INTERVAL_MS`, not at the next cron
 * minute. Its Redis commands, the isolate's clock's too, go over a bus of its own. The service is the
 * one the pass before ran on, where that pass ended well: its groups go on from where they were, not
 * prepared again (origins, positions, groups in Redis), and claim only every CLAIM_IDLE_MS / 2.
 * @returns how many entries the groups acknowledged.
 */
async function backgroundPass(definition: ServiceDefinition, isolate: Isolate): Promise<number> {
  if (!isolate.background?.reusable)
    isolate.background = { service: wire(definition, isolate, isolate.bus), reusable: false }
  const background = isolate.background
  background.reusable = false
  const bus = isolate.config.openBus(`pitstop-${definition.name}-background`)
  try {
    const applied = await isolate.invocation.run({ bus }, () => pass(background.service, isolate))
    background.reusable = true
    return applied
  } finally {
    await bus.close()
  }
}

/** One background pass on `service`, whose Redis commands go over the invocation's bus. */
async function pass(service: WiredService, isolate: Isolate): Promise<number> {
  const { config } = isolate
  await service.tick?.()
  await service.relay.flush()
  await service.relay.trim()
  let applied = 0
  for (const group of service.consumers) {
    // Polling claims idle entries and reads several times for each stream: a group Redis shows caught
    // up is left alone, and polled all the same as often as a running group claims (CLAIM_IDLE_MS / 2).
    const now = systemClock.now().getTime()
    if (now < (isolate.fullPollDue.get(group.group) ?? 0) && (await group.caughtUp())) continue
    applied += await group.poll(config.POLL_BUDGET_MS)
    isolate.fullPollDue.set(group.group, now + config.CLAIM_IDLE_MS / 2)
  }
  // What the groups answered (a reservation, an approval requested) goes out now, before the bus closes.
  if (applied > 0) await service.relay.flush()
  return applied
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
 * A service as a workerd module worker: `fetch` serves its API (and `/health`) and publishes right
 * after a commit (`waitUntil`, so the answer does not wait on Redis); `scheduled` runs the service's
 * background work (`tick`), the relay backstop and a bounded consumer pass. Services with consumers
 * also export `ConsumerPoller`, a Durable Object whose alarm polls (and ticks) every `POLL_INTERVAL_MS`,
 * since cron fires at most once a minute.
 *
 * @example
 * const { worker, ConsumerPoller } = serviceWorker(workshopService)
 * export { ConsumerPoller }
 * export default worker
 */
export function serviceWorker(definition: ServiceDefinition) {
  const isolateOf = perBindings((env: Env) => buildIsolate(definition, env))
  let armed = false
  // Only these two paths go through it: every other request goes straight to the service's app,
  // which has the same middleware.
  const own = workerApp<{ isolate: Isolate }>()
    .get('/health', async (c) => {
      const { report, ok } = await health(definition, c.env.isolate)
      // The gateway asks with its caller's credentials, and shows details only when every worker did.
      const shown = seesHealthDetails(await callerOf(c.req.raw, c.env.isolate.tokens))
      return c.json(shown ? report : { status: ok ? 'ok' : 'failing' }, ok ? 200 : 503)
    })
    .get(ENDPOINTS_PATH, (c) => c.json(Object.keys(definition.access)))
  const worker = {
    async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
      const { pathname } = new URL(request.url)
      // The endpoints are the definition's: nothing to connect to for them.
      if (pathname === ENDPOINTS_PATH) return own.fetch(request)
      let isolate: Isolate
      try {
        isolate = isolateOf(env)
      } catch (error) {
        return misconfigured(request, error as Error)
      }
      if (!armed) {
        armed = true
        ctx.waitUntil(armPoller(env).catch((error) => isolate.logger.warn({ err: error }, 'arming failed')))
      }
      // `/health` too: who asks is checked against the revoked sessions, read over the invocation's bus.
      const current: Invocation = {}
      return isolate.invocation.run(current, async () => {
        const response =
          pathname === '/health'
            ? await own.fetch(request, { isolate })
            : await isolate.service.fetch(request)
        ctx.waitUntil(
          Promise.allSettled([current.publishing, current.refreshing]).finally(() => current.bus?.close()),
        )
        return response
      })
    },

    async scheduled(_controller: unknown, env: Env, ctx: ExecutionContext): Promise<void> {
      const isolate = isolateOf(env)
      ctx.waitUntil(armPoller(env))
      await backgroundPass(definition, isolate)
    },
  }

  class ConsumerPoller {
    constructor(
      private readonly state: DurableObjectState,
      private readonly env: Env,
    ) {}

    async fetch(): Promise<Response> {
      // Alarms are set in wall-clock time: the system's, whatever the services' clock says.
      const now = systemClock.now().getTime()
      if ((await this.state.storage.getAlarm()) === null) await this.state.storage.setAlarm(now)
      return new Response(null, { status: 204 })
    }

    async alarm(): Promise<void> {
      const isolate = isolateOf(this.env)
      try {
        await backgroundPass(definition, isolate)
      } catch (error) {
        isolate.logger.warn({ err: error }, 'consumer pass failed; polling again')
      }
      await this.state.storage.setAlarm(systemClock.now().getTime() + isolate.config.POLL_INTERVAL_MS)
    }
  }

  return { worker, ConsumerPoller }
}

/** The service's health report with Redis's, and whether all is well. */
async function health(definition: ServiceDefinition, isolate: Isolate) {
  const bus = isolate.config.openBus(`pitstop-${definition.name}-health`)
  try {
    const redis = await checkRedis(bus)
    // A relay of its own, which waits on no other invocation's pass.
    const service = wire(definition, isolate, bus)
    // A relay knows whether it may publish only once it has looked at the stream.
    if (redis === 'ok') await service.relay.flush()
    const report = await service.health(redis)
    return { report: { ...report, redis }, ok: redis === 'ok' && report.status === 'ok' }
  } finally {
    await bus.close()
  }
}
