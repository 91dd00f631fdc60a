import { sql } from 'drizzle-orm'
import type { Bus } from '../bus/bus.ts'
import type { Db } from '../db/database.ts'
import type { OutboxRelay } from '../outbox/relay.ts'

/** What `/health` says of one service: can it reach its database, and how far is its relay behind. */
export interface ServiceHealth {
  status: 'ok' | 'failing'
  database: string
  /** Events committed but not yet in the stream; unknown while Redis is unreachable. */
  unpublishedEvents?: number
}

/** `ok`, or why Redis cannot be reached. */
export async function checkRedis(bus: Bus): Promise<string> {
  return bus.ping().then(
    () => 'ok',
    (error: Error) => `unreachable: ${error.message}`,
  )
}

export async function checkService(db: Db, relay: OutboxRelay, redis: string): Promise<ServiceHealth> {
  const database = await db.run(sql`select 1`).then(
    () => 'ok',
    (error: Error) => `failing: ${error.message}`,
  )
  const unpublishedEvents = redis === 'ok' ? await relay.lag().catch(() => undefined) : undefined
  return { status: database === 'ok' ? 'ok' : 'failing', database, unpublishedEvents }
}
