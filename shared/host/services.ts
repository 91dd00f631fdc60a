import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { customersService } from '../../workers/customers/service.ts'
import { vehiclesService } from '../../workers/vehicles/service.ts'
import { workshopService } from '../../workers/workshop/service.ts'
import { serviceStream, type Bus } from '../bus/bus.ts'
import { createRedisBus } from '../bus/redis-bus.ts'
import { newUuidV7, systemClock, type Clock } from '../clock.ts'
import { ConsumerGroup, type CatchUp } from '../consumer/consumer-group.ts'
import { checkpointInBackground, type Checkpointer } from '../db/checkpointer.ts'
import {
  connectDatabase,
  databaseUrlProblem,
  openDatabase,
  shownDatabaseUrl,
  type Database,
} from '../db/database.ts'
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
 * A service's database cannot be opened: its URL is malformed, its server unreachable, its file not
 * writable. The message names the variable to fix (`LIBSQL_URL_<SERVICE>`, or `DATA_DIR` for the file
 * there) and the service, in one line.
 */
export class DatabaseUnavailable extends Error {
  override name = 'DatabaseUnavailable'
}

/** `LIBSQL_URL_CUSTOMERS="libsql://…" (the database of service customers)`, or `DATA_DIR="…" (…)`. */
function sourceOf(name: ServiceName, config: HostConfig): string {
  const url = config.databaseUrls[name]
  const variable = url
    ? `LIBSQL_URL_${name.toUpperCase()}="${shownDatabaseUrl(url)}"`
    : `DATA_DIR="${config.dataDir}"`
  return `${variable} (the database of service ${name})`
}

/** Checks the form of every `LIBSQL_URL_<SERVICE>` set, also of services that run elsewhere. */
export function checkDatabaseUrls(config: HostConfig): void {
  for (const [name, url] of Object.entries(config.databaseUrls) as [ServiceName, string][]) {
    const problem = databaseUrlProblem(url)
    if (problem) throw new DatabaseUnavailable(`${sourceOf(name, config)} ${problem}`)
  }
}

/**
 * Opens and migrates a service's database, or fails with a `DatabaseUnavailable` naming the variable.
 *
 * @example
 * const { db } = await openServiceDatabase('customers', config)
 */
export async function openServiceDatabase(name: ServiceName, config: HostConfig): Promise<Database> {
  const url = databaseUrl(name, config)
  const problem = databaseUrlProblem(url)
  if (problem) throw new DatabaseUnavailable(`${sourceOf(name, config)} ${problem}`)
  try {
    return await openDatabase(name, url, config.databaseAuthToken, { synchronous: config.synchronous })
  } catch (error) {
    throw new DatabaseUnavailable(`${sourceOf(name, config)} cannot be opened: ${rootCause(error)}`, {
      cause: error,
    })
  }
}

/** The innermost reason of a failure (a refused connection, rather than the query it broke). */
function rootCause(error: unknown): string {
  let reason = error
  for (;;) {
    const inner =
      reason instanceof AggregateError && reason.errors.length > 0
        ? reason.errors[0]
        : reason instanceof Error
          ? reason.cause
          : undefined
    if (!(inner instanceof Error)) break
    reason = inner
  }
  return reason instanceof Error ? reason.message.split('\n')[0]! : String(reason)
}

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
    database: opened,
  }: {
    bus: Bus
    logger: Logger
    clock?: Clock
    consumerName: string
    producers: ProducerDatabases
    /** The service's database when opened already (`openServiceDatabase`). */
    database?: Database
  },
): Promise<RunningService> {
  const database = opened ?? (await openServiceDatabase(name, config))
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

/**
 * Builds and starts the configured services in this process: relays publishing, consumers reading.
 * Every database is opened first; one that cannot be (see `DatabaseUnavailable`) stops the process with
 * one fatal line naming its variable and service, and exit code 1, before any consumer group joins.
 */
export async function startServices(
  config: HostConfig,
  logger: Logger,
  clock: Clock = systemClock,
): Promise<RunningServices> {
  await mkdir(config.dataDir, { recursive: true })
  const databases = new Map<ServiceName, Database>()
  try {
    checkDatabaseUrls(config)
    for (const name of config.services) databases.set(name, await openServiceDatabase(name, config))
  } catch (error) {
    if (!(error instanceof DatabaseUnavailable)) throw error
    for (const database of databases.values()) database.client.close()
    logger.fatal(error.message)
    process.exit(1)
  }
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
      database: databases.get(name),
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
