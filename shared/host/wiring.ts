import { serviceStream, type Bus } from '../bus/bus.ts'
import { ManualClock, manualTimeKey, systemClock, type Clock, type NewId } from '../clock.ts'
import { ConsumerGroup, type CatchUp } from '../consumer/consumer-group.ts'
import { deadLetterDesk } from '../consumer/dead-letters.ts'
import type { Db } from '../db/database.ts'
import type { Tokens } from '../auth/tokens.ts'
import type { ClockMode } from '../environment.ts'
import type { HttpSettings } from '../http/create-app.ts'
import type { Logger } from '../logger.ts'
import { createOutbox } from '../outbox/outbox.ts'
import { OutboxRelay } from '../outbox/relay.ts'
import type { Service, ServiceDefinition } from '../service.ts'
import { checkService, type ServiceHealth } from './health.ts'

export interface WiringOptions {
  db: Db
  /** The relay publishes through it, and `/health` asks Redis through it. */
  bus: Bus
  streamPrefix: string
  /** Entries a stream keeps beyond those some group has not acknowledged. */
  streamKeep: number
  logger: Logger
  clock: Clock
  newId: NewId
  http: HttpSettings
  tokens: Tokens
  /** The service's own settings, as its schema parsed them. */
  settings: Record<string, unknown>
  /** Whether the host runs in production (`NODE_ENV=production`). */
  production: boolean
  /** Whether the host is one long-running process (see `ServiceDeps.longLived`). */
  longLived: boolean
  consumers: {
    /** This process's name in every group it joins. */
    name: string
    /** The bus a group reads with: its own connection where reads block (Node), else the relay's. */
    bus(group: string): Bus
    claimIdleMs: number
    maxDeliveries: number
    /** Where a group fetches from producers' outboxes what their streams no longer hold. */
    catchUp?: CatchUp
  }
  /** Called after each commit; by default the relay is kicked to publish at once. */
  onCommitted?: () => void
  /** Whether commits of one event-loop turn share a transaction (the default; see createOutbox). */
  groupCommit?: boolean
  /** How long a kicked relay pass gathers commits before it publishes (see RelayOptions); default 0. */
  relayGatherMs?: number
}

/** One service put together: its app, its relay and its consumer groups, none of them started. */
export interface WiredService {
  name: string
  app: Service['app']
  /**
   * Serves a request with the app, with the host's `bindings` (on Node, the connection the client
   * address comes from); a manual clock first takes the time shared by the clock service.
   */
  fetch(request: Request, bindings?: unknown): Response | Promise<Response>
  relay: OutboxRelay
  consumers: ConsumerGroup[]
  /** The service's background work, a manual clock synced first (see `Service.tick`); none, undefined. */
  tick?(): Promise<Date | void>
  /** Its endpoints, for the index page. */
  endpoints(): Promise<string[]>
  /** What `/health` says of it, given whether Redis answers (`redis`). */
  health(redis: string): Promise<ServiceHealth>
}

/**
 * Puts a service together the same way on every host: an outbox whose commits kick (or tell) the relay
 * publishing to `<prefix>.<service>`, the service built on it, and a consumer group for each group it
 * declares, reading `<prefix>.<source>` for each service it reads.
 *
 * @example
 * const workshop = wireService(workshopService, { db, bus, streamPrefix: 'pitstop', ... })
 * workshop.relay.start()
 * for (const group of workshop.consumers) await group.start()
 */
export function wireService(definition: ServiceDefinition, options: WiringOptions): WiredService {
  const { db, bus, streamPrefix, logger, consumers: groups } = options
  const relay = new OutboxRelay({
    db,
    bus,
    stream: serviceStream(streamPrefix, definition.name),
    logger,
    keep: options.streamKeep,
    gatherMs: options.relayGatherMs,
  })
  const outbox = createOutbox(db, options.onCommitted ?? (() => relay.kick()), {
    groupCommit: options.groupCommit,
  })
  const { clock, newId, http, tokens, settings, production, longLived } = options
  // The groups come from what the service declares, so its desk finds them only once they are made.
  let consumers: ConsumerGroup[] = []
  const deadLetters = deadLetterDesk(() => consumers)
  const service = definition.create({
    db,
    outbox,
    clock,
    newId,
    logger,
    http,
    tokens,
    deadLetters,
    settings,
    production,
    longLived,
  })
  // Only a manual clock is synced: one Redis read before each request. The system's costs nothing here.
  const manual = clock instanceof ManualClock ? clock : undefined
  const syncClock = () =>
    manual
      ?.sync()
      .catch((error: unknown) =>
        logger.warn({ err: error }, 'the manual clock cannot read the shared time; it keeps its own'),
      )
  const { tick } = service
  consumers = service.consumers.map(
    (spec) =>
      new ConsumerGroup({
        db,
        bus: groups.bus(spec.group),
        group: spec.group,
        consumer: groups.name,
        streams: spec.reads.map((source) => serviceStream(streamPrefix, source)),
        handle: spec.handle,
        logger,
        clock,
        claimIdleMs: groups.claimIdleMs,
        maxDeliveries: groups.maxDeliveries,
        catchUp: groups.catchUp,
        readModel: spec.readModel,
        batchSize: spec.batchSize,
        onApplied: (effects) => {
          outbox.staged(effects)
          spec.onApplied?.(effects)
        },
      }),
  )
  return {
    name: definition.name,
    app: service.app,
    fetch: manual
      ? async (request, bindings) => {
          await syncClock()
          return service.app.fetch(request, bindings)
        }
      : service.app.fetch,
    relay,
    consumers,
    tick:
      tick &&
      (async () => {
        await syncClock()
        return tick.call(service)
      }),
    endpoints: async () => Object.keys(definition.access),
    health: (redis) => checkService(db, relay, consumers, redis, bus, service.problems?.bind(service)),
  }
}

/**
 * The one clock of a host's services (`CLOCK`): the system's, or a manual clock standing at the system's
 * time until the clock service moves it, shared with other processes at `<prefix>.clock.manual` on `bus`.
 *
 * @example
 * const clock = hostClock(config.clock, bus, config.streamPrefix)
 */
export function hostClock(mode: ClockMode, bus: Bus, streamPrefix: string): Clock {
  if (mode === 'system') return systemClock
  return new ManualClock(systemClock.now(), { bus, key: manualTimeKey(streamPrefix) })
}
