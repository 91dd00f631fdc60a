import { mkdir } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { customersService } from '../../workers/customers/index.ts'
import { vehiclesService } from '../../workers/vehicles/index.ts'
import { workshopService } from '../../workers/workshop/index.ts'
import { serviceStream, type Bus } from '../bus/bus.ts'
import { createRedisBus } from '../bus/redis-bus.ts'
import { newUuidV7, systemClock, type Clock } from '../clock.ts'
import { ConsumerGroup } from '../consumer/consumer-group.ts'
import { checkpointInBackground, type Checkpointer } from '../db/checkpointer.ts'
import { openDatabase, type Database } from '../db/database.ts'
import type { Logger } from '../logger.ts'
import { createOutbox } from '../outbox/outbox.ts'
import { OutboxRelay } from '../outbox/relay.ts'
import type { ServiceDefinition, ServiceName } from '../service.ts'
import type { HostConfig } from './config.ts'
import { checkRedis, checkService, type ServiceHealth } from './health.ts'

const definitions: Record<ServiceName, ServiceDefinition> = {
  customers: customersService,
  vehicles: vehiclesService,
  workshop: workshopService,
}

export interface RunningService {
  name: ServiceName
  fetch: (request: Request) => Response | Promise<Response>
  database: Database
  relay: OutboxRelay
  consumers: ConsumerGroup[]
}

export interface RunningServices {
  services: RunningService[]
  bus: Bus
  health(): Promise<{ ok: boolean; redis: string; services: Record<string, ServiceHealth> }>
  /** Stops consumers (acknowledging work in hand), flushes relays, closes connections. */
  stop(): Promise<void>
}

/** `LIBSQL_URL_<SERVICE>` when set, else the service's file under the data directory. */
export const databaseUrl = (name: ServiceName, config: HostConfig) =>
  config.databaseUrls[name] ?? pathToFileURL(resolve(join(config.dataDir, `${name}.db`))).href

/**
 * Builds one service in this process, started neither its relay nor its consumers: database
 * (migrated), outbox relay, consumer groups (each with its own Redis connection for blocking reads).
 */
export async function buildService(
  name: ServiceName,
  config: HostConfig,
  {
    bus,
    logger,
    clock = systemClock,
    consumerName,
  }: { bus: Bus; logger: Logger; clock?: Clock; consumerName: string },
): Promise<RunningService> {
  const database = await openDatabase(name, databaseUrl(name, config), config.databaseAuthToken, {
    synchronous: config.synchronous,
  })
  const relay = new OutboxRelay({
    db: database.db,
    bus,
    stream: serviceStream(config.streamPrefix, name),
    logger,
  })
  const outbox = createOutbox(database.db, () => relay.kick())
  const settings = { workstations: config.workstations, timeZone: config.timeZone }
  const service = definitions[name].create({
    db: database.db,
    outbox,
    clock,
    newId: newUuidV7,
    logger,
    settings,
  })
  const consumers = service.consumers.map(
    (spec) =>
      new ConsumerGroup({
        db: database.db,
        bus: createRedisBus(config.redisUrl, `pitstop-${spec.group}`),
        group: spec.group,
        consumer: consumerName,
        streams: spec.reads.map((source) => serviceStream(config.streamPrefix, source)),
        handle: spec.handle,
        logger,
        claimIdleMs: config.claimIdleMs,
        maxDeliveries: config.maxDeliveries,
      }),
  )
  return { name, fetch: service.app.fetch, database, relay, consumers }
}

/** Builds and starts the configured services in this process: relays publishing, consumers reading. */
export async function startServices(
  config: HostConfig,
  logger: Logger,
  clock: Clock = systemClock,
): Promise<RunningServices> {
  await mkdir(config.dataDir, { recursive: true })
  const bus = createRedisBus(config.redisUrl, 'pitstop-host')
  const consumerName = `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  const services: RunningService[] = []
  const checkpointers: Checkpointer[] = []

  for (const name of config.services) {
    const log = logger.child({ service: name })
    const service = await buildService(name, config, { bus, logger: log, clock, consumerName })
    const url = databaseUrl(name, config)
    if (url.startsWith('file:')) {
      const onError = (err: Error) => log.warn({ err }, 'WAL checkpointer failed; commits checkpoint instead')
      await checkpointInBackground(service.database.client, { onError }).then(
        (checkpointer) => checkpointers.push(checkpointer),
        onError,
      )
    }
    service.relay.start()
    for (const consumer of service.consumers) await consumer.start()
    services.push(service)
    // Only the scheme and host: a libSQL URL may carry an auth token.
    const { protocol, host } = new URL(url)
    log.info({ database: `${protocol}//${host}` }, 'service started')
  }

  return {
    services,
    bus,
    async health() {
      const redis = await checkRedis(bus)
      const report: Record<string, ServiceHealth> = {}
      for (const { name, database, relay } of services)
        report[name] = await checkService(database.db, relay, redis)
      const ok = redis === 'ok' && Object.values(report).every((s) => s.status === 'ok')
      return { ok, redis, services: report }
    },
    async stop() {
      for (const { consumers } of services) await Promise.all(consumers.map((c) => c.stop()))
      await Promise.all(services.map((s) => s.relay.stop()))
      for (const { database } of services) database.client.close()
      await Promise.all(checkpointers.map((c) => c.stop()))
      await bus.close()
    },
  }
}
