import { mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { services as definitions } from '../../../workers/registry.ts'
import { RevocationList, revokedSessionsKey } from '../../auth/revocations.ts'
import { createTokens, type Tokens } from '../../auth/tokens.ts'
import type { Bus } from '../../bus/bus.ts'
import { createRedisBus } from '../../bus/redis-bus.ts'
import { newUuidV7, systemClock, type Clock } from '../../clock.ts'
import { checkpointInBackground, type Checkpointer } from '../../db/checkpointer.ts'
import { databaseUrlProblem, openDatabase, shownDatabaseUrl, type Database } from '../../db/database.ts'
import { openFileClient } from '../../db/file-client.ts'
import type { Logger } from '../../logger.ts'
import type { HostConfig } from '../config.ts'
import { callerOf } from '../../auth/access.ts'
import { checkRedis, seesHealthDetails, type HostHealth, type ServiceHealth } from '../health.ts'
import { hostClock, wireService, type WiredService } from '../wiring.ts'
import { holdConsumerName } from './consumer-name.ts'
import { ProducerDatabases } from './producer-databases.ts'
import { startTicking, type Ticking } from './ticks.ts'

export { ProducerDatabases } from './producer-databases.ts'

/** The registry's definition of a service this host was told to run (SERVICES is checked against it). */
const definitionOf = (name: string) => definitions.find((d) => d.name === name)!

export interface RunningService extends WiredService {
  database: Database
}

export interface RunningServices {
  services: RunningService[]
  bus: Bus
  /** What every service here verifies tokens with (and the auth service issues them with). */
  tokens: Tokens
  /** The one clock of every service in this process. */
  clock: Clock
  /** Everything, or for a `request`, what its caller may see (`seesHealthDetails`). */
  health(request?: Request): Promise<HostHealth>
  /** Stops consumers (acknowledging work in hand), flushes relays, closes connections. */
  stop(): Promise<void>
}

/** `LIBSQL_URL_<SERVICE>` when set, else the service's file under the data directory. */
export const databaseUrl = (name: string, config: HostConfig) =>
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
function sourceOf(name: string, config: HostConfig): string {
  const url = config.databaseUrls[name]
  const variable = url
    ? `LIBSQL_URL_${name.toUpperCase()}="${shownDatabaseUrl(url)}"`
    : `DATA_DIR="${config.dataDir}"`
  return `${variable} (the database of service ${name})`
}

/** Checks the form of every `LIBSQL_URL_<SERVICE>` set, also of services that run elsewhere. */
export function checkDatabaseUrls(config: HostConfig): void {
  for (const [name, url] of Object.entries(config.databaseUrls) as [string, string][]) {
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
export async function openServiceDatabase(name: string, config: HostConfig): Promise<Database> {
  const url = databaseUrl(name, config)
  const problem = databaseUrlProblem(url)
  if (problem) throw new DatabaseUnavailable(`${sourceOf(name, config)} ${problem}`)
  try {
    return await openDatabase(name, url, config.databaseAuthToken, {
      synchronous: config.synchronous,
      openFile: openFileClient,
    })
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

/** The tokens of this host: signed with its `AUTH_SECRET`, revoked through the list in Redis. */
export const hostTokens = (config: HostConfig, bus: Bus, clock: Clock, logger: Logger) =>
  createTokens({
    keys: config.authKeys,
    clock,
    revocations: new RevocationList({ bus, key: revokedSessionsKey(config.streamPrefix), clock, logger }),
  })

/**
 * Builds one service in this process, started neither its relay nor its consumers: database
 * (migrated), outbox relay, consumer groups (each with its own Redis connection for blocking reads).
 */
export async function buildService(
  name: string,
  config: HostConfig,
  {
    bus,
    logger,
    clock = systemClock,
    consumerName,
    producers,
    database: opened,
    tokens = hostTokens(config, bus, clock, logger),
  }: {
    bus: Bus
    logger: Logger
    clock?: Clock
    tokens?: Tokens
    consumerName: string
    producers: ProducerDatabases
    /** The service's database when opened already (`openServiceDatabase`). */
    database?: Database
  },
): Promise<RunningService> {
  const definition = definitionOf(name)
  const database = opened ?? (await openServiceDatabase(name, config))
  const wired = wireService(definition, {
    db: database.db,
    bus,
    streamPrefix: config.streamPrefix,
    streamKeep: config.streamKeep,
    logger,
    clock,
    newId: newUuidV7,
    http: config.http,
    tokens,
    settings: config.settings[name] ?? {},
    production: config.production,
    longLived: true,
    consumers: {
      name: consumerName,
      bus: (group) => createRedisBus(config.redisUrl, `pitstop-${group}`),
      claimIdleMs: config.claimIdleMs,
      maxDeliveries: config.maxDeliveries,
      catchUp: producers.catchUp,
    },
  })
  producers.add(name, database)
  return { ...wired, database }
}

export interface StartOptions {
  /** The services' clock; by default the one `CLOCK` names (see `hostClock`). */
  clock?: Clock
  /** The longest wait between two ticks of a service's background work (see `startTicking`). */
  maxTickDelayMs?: number
}

/**
 * Builds and starts the configured services in this process: relays publishing, consumers reading,
 * background work ticking. Every database is opened first; one that cannot be (see
 * `DatabaseUnavailable`) stops the process with one fatal line naming its variable and service, and
 * exit code 1, before any consumer group joins.
 */
export async function startServices(
  config: HostConfig,
  logger: Logger,
  options: StartOptions = {},
): Promise<RunningServices> {
  await mkdir(config.dataDir, { recursive: true })
  const databases = new Map<string, Database>()
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
  const clock = options.clock ?? hostClock(config.clock, bus, config.streamPrefix)
  const consumerName = await holdConsumerName(config.redisUrl, config.streamPrefix)
  const producers = new ProducerDatabases(config)
  const tokens = hostTokens(config, bus, clock, logger)
  const services: RunningService[] = []
  const checkpointers: Checkpointer[] = []
  const tickers: Ticking[] = []

  for (const name of config.services) {
    const log = logger.child({ service: name })
    const service = await buildService(name, config, {
      bus,
      logger: log,
      clock,
      consumerName: consumerName.name,
      producers,
      tokens,
      database: databases.get(name),
    })
    const url = databaseUrl(name, config)
    if (url.startsWith('file:')) {
      const onError = (err: Error) =>
        log.warn({ err }, 'background WAL checkpoint failed; commits checkpoint instead until one succeeds')
      await checkpointInBackground(service.database.client, { onError }).then(
        (checkpointer) => checkpointers.push(checkpointer),
        onError,
      )
    }
    service.relay.start()
    for (const consumer of service.consumers) await consumer.start()
    if (service.tick)
      tickers.push(
        await startTicking(service.tick, { clock, logger: log, maxDelayMs: options.maxTickDelayMs }),
      )
    services.push(service)
    // Only the scheme and host: a libSQL URL may carry an auth token.
    const { protocol, host } = new URL(url)
    log.info({ database: `${protocol}//${host}` }, 'service started')
  }

  return {
    services,
    bus,
    tokens,
    clock,
    async health(request) {
      const redis = await checkRedis(bus)
      const report: Record<string, ServiceHealth> = {}
      for (const service of services) report[service.name] = await service.health(redis)
      const ok = redis === 'ok' && Object.values(report).every((s) => s.status === 'ok')
      if (request && !seesHealthDetails(await callerOf(request, tokens))) return { ok }
      return { ok, redis, services: report }
    },
    async stop() {
      await Promise.all(tickers.map((t) => t.stop()))
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
