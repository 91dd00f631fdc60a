import { sql } from 'drizzle-orm'
import type { Principal } from '../auth/principal.ts'
import type { Bus } from '../bus/bus.ts'
import type { Db } from '../db/database.ts'
import type { ConsumerGroup, GroupHealth } from '../consumer/consumer-group.ts'
import type { OutboxRelay, RelayHealth } from '../outbox/relay.ts'

/**
 * What `/health` says of one service: can it reach its database, how far is its relay behind and is it
 * publishing, and what its consumer groups miss (gaps, dead letters, a second deployment).
 */
export interface ServiceHealth {
  status: 'ok' | 'failing'
  database: string
  /** Events committed but not yet in the stream; unknown while Redis is unreachable. */
  unpublishedEvents?: number
  /** Why events stopped flowing, one line each; empty when they flow. */
  problems: string[]
  /** Each group as `ConsumerGroup.health` reports it, its `streams` (lag, pending, consumers) included. */
  consumers: GroupHealth[]
}

/** What a host's `/health` says: whether all is well and, to the manager, Redis and every service. */
export interface HostHealth {
  ok: boolean
  redis?: string
  services?: Record<string, ServiceHealth>
}

/** `/health` is open, but only the manager learns from it how each service is doing and why. */
export const seesHealthDetails = (caller: Principal | undefined) => caller?.role === 'manager'

/**
 * `ok`, or why Redis cannot be reached: also when it does not answer within `timeoutMs`, so `/health`
 * answers at once while the connection waits to be re-established or Redis hangs.
 */
export async function checkRedis(bus: Bus, timeoutMs = 500): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const silence = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer to PING within ${timeoutMs} ms`)), timeoutMs)
  })
  return Promise.race([bus.ping(), silence])
    .then(
      () => 'ok',
      (error: Error) => `unreachable: ${error.message}`,
    )
    .finally(() => clearTimeout(timer))
}

export async function checkService(
  db: Db,
  relay: OutboxRelay,
  consumers: ConsumerGroup[],
  redis: string,
  /** Asks Redis for the groups: their own connections may be held by blocking reads. */
  bus: Bus,
  /** The service's own problems (see `Service.problems`). */
  own?: () => Promise<string[]>,
): Promise<ServiceHealth> {
  const database = await db.run(sql`select 1`).then(
    () => 'ok',
    (error: Error) => `failing: ${error.message}`,
  )
  const problems: string[] = database === 'ok' ? [] : [`database ${database}`]
  let unpublishedEvents: number | undefined
  const groups: GroupHealth[] = []
  // Without Redis only the database is asked: its answers come at once, Redis's would time out.
  if (redis === 'ok') {
    const published = await relay
      .health()
      .catch((error: Error) => ({ lastError: error.message }) as RelayHealth)
    unpublishedEvents = published.unpublishedEvents
    if (published.problem) problems.push(`${published.problem.problem}: ${published.problem.detail}`)
    if (published.lastError) problems.push(`relay failing: ${published.lastError}`)
  }
  for (const consumer of consumers) {
    const group = await consumer.health(redis === 'ok' ? bus : undefined)
    groups.push(group)
    if (group.problem) problems.push(group.problem)
    if (group.lastError && group.lastError !== group.problem)
      problems.push(`consumer group ${group.group} failing: ${group.lastError}`)
    for (const gap of group.gaps)
      problems.push(`gap: group ${group.group} never received ${gap.stream} ${gap.fromSeq}..${gap.toSeq}`)
    for (const [stream, count] of Object.entries(group.deadLetters))
      problems.push(`dead letters: ${count} on ${stream} (npm run dead-letters -- list)`)
  }
  if (own) problems.push(...(await own().catch((error: Error) => [`own checks failing: ${error.message}`])))
  return {
    status: problems.length === 0 ? 'ok' : 'failing',
    database,
    unpublishedEvents,
    problems,
    consumers: groups,
  }
}
