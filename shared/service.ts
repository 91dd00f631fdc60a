import type { SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { Hono } from 'hono'
import type { Clock, NewId } from './clock.ts'
import type { EventHandler } from './consumer/consumer-group.ts'
import type { Db } from './db/database.ts'
import type { AppEnv } from './http/app-env.ts'
import type { Logger } from './logger.ts'
import type { Outbox } from './outbox/outbox.ts'

export const serviceNames = ['customers', 'vehicles', 'workshop'] as const
export type ServiceName = (typeof serviceNames)[number]

/** Settings read from the environment once, at the host's entry. */
export interface Settings {
  workstations: number
  /** Request bodies larger than this are refused with 413. */
  maxBodyBytes: number
  timeZone: string
}

/** What a host hands a service: its own database, its outbox, time, ids, logs and settings. */
export interface ServiceDeps {
  db: Db
  outbox: Outbox
  clock: Clock
  newId: NewId
  logger: Logger
  settings: Settings
}

/** A consumer group the service runs: which services' streams it reads and what it does with each event. */
export interface ConsumerSpec {
  group: string
  reads: ServiceName[]
  handle: EventHandler
  /** The tables `handle` writes, emptied when the read model is rebuilt from the producers' history. */
  readModel: SQLiteTable[]
}

/** A service as every host sees it. */
export interface Service {
  app: Hono<AppEnv>
  consumers: ConsumerSpec[]
}

export interface ServiceDefinition {
  name: ServiceName
  create(deps: ServiceDeps): Service
}
