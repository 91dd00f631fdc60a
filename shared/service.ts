import type { SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { Hono } from 'hono'
import type * as v from 'valibot'
import type { AccessTable } from './auth/access.ts'
import type { Tokens } from './auth/tokens.ts'
import type { Clock, NewId } from './clock.ts'
import type { EventHandler } from './consumer/consumer-group.ts'
import type { DeadLetterDesk } from './consumer/dead-letters.ts'
import type { Db } from './db/database.ts'
import type { Write } from './db/statements.ts'
import type { AppEnv } from './http/app-env.ts'
import type { HttpSettings } from './http/create-app.ts'
import type { Logger } from './logger.ts'
import type { Outbox } from './outbox/outbox.ts'

/**
 * A service's own environment variables, as a valibot object of strings keyed by the variables' names
 * (`WORKSTATIONS`, `WORKSHOP_TZ`); every host parses it once, at its entry, with its own variables.
 */
export type SettingsSchema = v.ObjectSchema<v.ObjectEntries, undefined>

/** What a host hands a service: its own database, its outbox, time, ids, logs and settings. */
export interface ServiceDeps<TSettings = Record<string, unknown>> {
  db: Db
  outbox: Outbox
  clock: Clock
  newId: NewId
  logger: Logger
  http: HttpSettings
  /** Verifies the tokens requests carry (and, for the auth service, issues and revokes them). */
  tokens: Tokens
  /** The dead letters of the consumer groups the service declares, for its operator endpoints. */
  deadLetters: DeadLetterDesk
  /** The service's own settings, parsed from the environment by its `settings` schema. */
  settings: TSettings
  /** `NODE_ENV=production` (the host parses it): no demo accounts, nothing made up for convenience. */
  production: boolean
  /**
   * The service lives in one long-running process (the Node and Deno hosts), where work may go on by
   * itself between requests; on workerd it is built once per isolate, and work belongs to the
   * invocation that started it (its end cancels it, and another may not wait on it).
   */
  longLived: boolean
}

/** A consumer group the service runs: which services' streams it reads and what it does with each event. */
export interface ConsumerSpec {
  group: string
  /** The names of the services whose streams the group reads. */
  reads: string[]
  handle: EventHandler
  /** The tables `handle` writes, emptied when the read model is rebuilt from the producers' history. */
  readModel: SQLiteTable[]
  /**
   * How many events one transaction applies at most (500 unless said). 1 where `handle` decides on rows
   * that the events before it in a batch change: it reads them as committed, before the batch.
   */
  batchSize?: number
  /**
   * Told of each batch's writes once they have committed: what `handle` returned, which a service that
   * serves its rows live (notifications) recognises, to wake the readers waiting for them.
   */
  onApplied?: (writes: readonly Write[]) => void
}

/** A service as every host sees it. */
export interface Service {
  app: Hono<AppEnv>
  consumers: ConsumerSpec[]
  /**
   * Background work, run on every host: by the Node and Deno hosts at start and then when the time it
   * resolves with comes (a minute later at most, a second at least; at once when a manual clock moves),
   * by workerd from the worker's cron trigger (once a minute) and, for a service with consumers, from
   * its poller's alarm (every `POLL_INTERVAL_MS`). What it commits goes out through the outbox like any command's events.
   */
  tick?(): Promise<Date | void>
  /**
   * What else keeps the service's data from flowing, one line each (mail that cannot be sent, say):
   * `/health` shows them beside the relay's and the consumer groups' problems.
   */
  problems?(): Promise<string[]>
}

/** A service as the registry lists it: everything a host needs to know to run it. */
export interface ServiceDefinition<TSchema extends SettingsSchema = SettingsSchema> {
  /** Also its path (`/api/<name>`), its stream (`<prefix>.<name>`) and its database (`<name>.db`). */
  name: string
  /**
   * Its endpoints and who may call each (see `AccessTable`): the kernel enforces it, the index page
   * lists it, the access tests are generated from it, and a test holds it to the app's routes.
   */
  access: AccessTable
  /** Its own environment variables; none when absent. */
  settings?: TSchema
  create(deps: ServiceDeps<v.InferOutput<TSchema>>): Service
}

/**
 * Declares a service, with its settings typed from its schema.
 *
 * @example
 * export const workshopService = defineService({ name: 'workshop', access, settings: WorkshopSettings, create })
 */
export const defineService = <TSchema extends SettingsSchema>(
  definition: ServiceDefinition<TSchema>,
): ServiceDefinition<TSchema> => definition
