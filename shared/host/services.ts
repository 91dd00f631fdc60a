import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { customersService } from '../../workers/customers/index.ts'
import { vehiclesService } from '../../workers/vehicles/index.ts'
import { workshopService } from '../../workers/workshop/index.ts'
import { serviceStream, type Bus } from '../bus/bus.ts'
import { createRedisBus } from '../bus/redis-bus.ts'
import { newUuidV7, systemClock, type Clock } from '../clock.ts'
import { ConsumerGroup, type CatchUp } from '../consumer/consumer-group.ts'
import { checkpointInBackground, type Checkpointer } from '../db/checkpointer.ts'
import { connectDatabase, openDatabase, type Database } from '../db/database.ts'
import type { Logger } from '../logger.ts'
import { createOutbox } from '../outbox/outbox.ts'
import { readOutbox } from '../outbox/outbox-reader.ts'
import { OutboxRelay } from '../outbox/relay.ts'
import { serviceNames, type ServiceDefinition, type ServiceName } from '../service.ts'
import type { HostConfig } from './config.ts'
import { holdConsumerName } from './consumer-name.ts'
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
    producers,
  }: { bus: Bus; logger: Logger; clock?: Clock; consumerName: string; producers: ProducerDatabases },
): Promise<RunningService> {
  const database = await openDatabase(name, databaseUrl(name, config), config.databaseAuthToken, {
    synchronous: config.synchronous,
  })
  const relay = new OutboxRelay({
    db: database.db,
    bus,
    stream: serviceStream(config.streamPrefix, name),
    logger,
    keep: config.streamKeep,
  })
  const outbox = createOutbox(database.db, () => relay.kick())
  const settings = {
    workstations: config.workstations,
    timeZone: config.timeZone,
    maxBodyBytes: config.maxBodyBytes,
  }
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
        catchUp: producers.catchUp,
        readModel: spec.readModel,
      }),
  )
  producers.add(name, database)
  return { name, fetch: service.app.fetch, database, relay, consumers }
}

/**
 * The producers' databases, from whose outboxes consumers catch up on what their streams no longer
 * hold: a service's own when it runs in this process, else its `LIBSQL_URL_<SERVICE>` or its file
 * under DATA_DIR when there is one (a process running a subset of the services on the same data).
 */
export class ProducerDatabases {
  private readonly reached = new Map<string, Promise<Database | undefined>>()
  private readonly own = new Set<Database>()

  constructor(private readonly config: HostConfig) {}

  add(name: ServiceName, database: Database): void {
    this.reached.set(serviceStream(this.config.streamPrefix, name), Promise.resolve(database))
    this.own.add(database)
  }

  readonly catchUp: CatchUp = async (stream, fromSeq, toSeq, count) => {
    const database = await this.databaseOf(stream)
    return database && readOutbox(database.db, fromSeq, toSeq, count)
  }

  /** Closes the connections opened to catch up, not those of the services running here. */
  close(): void {
    for (const reached of this.reached.values())
      void reached.then((database) => database && !this.own.has(database) && database.client.close())
  }

  private databaseOf(stream: string): Promise<Database | undefined> {
    let reached = this.reached.get(stream)
    if (!reached) {
      const name = serviceNames.find((n) => serviceStream(this.config.streamPrefix, n) === stream)
      reached = name ? this.connect(name) : Promise.resolve(undefined)
      this.reached.set(stream, reached)
      // A failed connection is tried again next time, not remembered.
      reached.catch(() => this.reached.delete(stream))
    }
    return reached
  }

  private async connect(name: ServiceName): Promise<Database | undefined> {
    const url = databaseUrl(name, this.config)
    // Never create a producer's file: where it is absent, the producer's data lives elsewhere.
    if (url.startsWith('file:') && !existsSync(fileURLToPath(url))) return undefined
    return connectDatabase(url, this.config.databaseAuthToken)
  }
}

/** Builds and starts the configured services in this process: relays publishing, consumers reading. */
export async function startServices(
  config: HostConfig,
  logger: Logger,
  clock: Clock = systemClock,
): Promise<RunningServices> {
  await mkdir(config.dataDir, { recursive: true })
  const bus = createRedisBus(config.redisUrl, 'pitstop-host', { commandTimeoutMs: 2_000 })
  const consumerName = await holdConsumerName(config.redisUrl, config.streamPrefix)
  const producers = new ProducerDatabases(config)
  const services: RunningService[] = []
  const checkpointers: Checkpointer[] = []

  for (const name of config.services) {
    const log = logger.child({ service: name })
    const service = await buildService(name, config, {
      bus,
      logger: log,
      clock,
      consumerName: consumerName.name,
      producers,
    })
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
      for (const { name, database, relay, consumers } of services)
        report[name] = await checkService(database.db, relay, consumers, redis, bus)
      const ok = redis === 'ok' && Object.values(report).every((s) => s.status === 'ok')
      return { ok, redis, services: report }
    },
    async stop() {
      // Consumers finish and acknowledge what they hold while relays publish what is committed.
      await Promise.all([
        ...services.flatMap((s) => s.consumers.map((c) => c.stop())),
        ...services.map((s) => s.relay.stop()),
      ])
      producers.close()
      for (const { database } of services) database.client.close()
      await Promise.all(checkpointers.map((c) => c.stop()))
      await bus.close()
      consumerName.release()
    },
  }
}
