import { and, asc, eq, gt, sql } from 'drizzle-orm'
import type { Envelope } from '../contracts/envelope.ts'
import { isUniqueViolation, type Db } from '../db/database.ts'
import { events, snapshots } from '../db/kernel-schema.ts'
import { compileInsert, placeholders, type Write } from '../db/statements.ts'

/** An event-sourced aggregate: its state is a left fold of `evolve` over its events. */
export interface Aggregate<TState, TEvent extends { type: string; data: unknown }> {
  initialState(): TState
  evolve(state: TState, event: TEvent): TState
}

/**
 * Appends events with an expected version (the primary key `(stream_id, position)` refuses a second
 * writer) and loads aggregates from their latest snapshot plus the events after it.
 *
 * @example
 * const { state, version } = await store.load('2026-11-21', planning)
 * await outbox.commit(store.append('2026-11-21', version, envelopes, nextState), envelopes)
 */
export class EventStore {
  /**
   * The latest state this process loaded or wrote per aggregate. States are immutable, so sharing
   * them is safe; loading reads the events after the cached version, so a cache that fell behind
   * (another writer) catches up, and the primary key refuses any append built on it.
   */
  private readonly recent = new Map<string, { state: unknown; version: number }>()
  // Built once: these run on every command.
  private readonly eventsAfter
  private readonly snapshotOf
  private readonly insertEvents

  constructor(
    private readonly db: Db,
    private readonly snapshotEvery = 25,
    private readonly cacheSize = 1000,
  ) {
    this.eventsAfter = db
      .select({ envelope: events.envelope, position: events.position })
      .from(events)
      .where(
        and(eq(events.streamId, sql.placeholder('streamId')), gt(events.position, sql.placeholder('after'))),
      )
      .orderBy(asc(events.position))
      .prepare()
    this.snapshotOf = db
      .select()
      .from(snapshots)
      .where(eq(snapshots.streamId, sql.placeholder('streamId')))
      .prepare()
    this.insertEvents = compileInsert<typeof events.$inferInsert>(
      db.insert(events).values(placeholders(events)),
    )
  }

  /**
   * The aggregate's state and version: the cached ones (or the latest snapshot) plus the events after
   * them. `trustCache` leaves out those events for a cached aggregate: for deciding a command, whose
   * append the expected version guards anyway, so a cache that fell behind costs only a retry.
   */
  async load<TState, TEvent extends { type: string; data: unknown }>(
    streamId: string,
    aggregate: Aggregate<TState, TEvent>,
    { trustCache = false } = {},
  ): Promise<{ state: TState; version: number }> {
    const cached = this.recent.get(streamId) as { state: TState; version: number } | undefined
    if (cached && trustCache) return cached
    const snapshot = cached
      ? { state: cached.state, position: cached.version }
      : await this.latestSnapshot<TState>(streamId)
    let state: TState = snapshot ? snapshot.state : aggregate.initialState()
    let version = snapshot?.position ?? 0
    const rows = await this.eventsAfter.all({ streamId, after: version })
    for (const row of rows) {
      state = aggregate.evolve(state, JSON.parse(row.envelope) as TEvent)
      version = row.position
    }
    this.remember(streamId, state, version)
    return { state, version }
  }

  /** Records the state an append produced, once that append has committed. */
  remember(streamId: string, state: unknown, version: number): void {
    this.recent.delete(streamId)
    this.recent.set(streamId, { state, version })
    if (this.recent.size > this.cacheSize) this.recent.delete(this.recent.keys().next().value!)
  }

  private async latestSnapshot<TState>(streamId: string) {
    const [row] = await this.snapshotOf.all({ streamId })
    return row ? { state: JSON.parse(row.state) as TState, position: row.position } : undefined
  }

  /** Statements appending `envelopes` (positions after `expectedVersion`), plus a snapshot when one is due. */
  append(streamId: string, expectedVersion: number, envelopes: Envelope[], stateAfter: unknown): Write[] {
    const items: Write[] = [
      this.insertEvents(
        envelopes.map((e, i) => ({
          streamId,
          position: expectedVersion + i + 1,
          eventId: e.id,
          type: e.type,
          envelope: JSON.stringify(e),
        })),
      ),
    ]
    const version = expectedVersion + envelopes.length
    if (Math.floor(version / this.snapshotEvery) > Math.floor(expectedVersion / this.snapshotEvery)) {
      const row = { streamId, position: version, state: JSON.stringify(stateAfter) }
      items.push(
        this.db.insert(snapshots).values(row).onConflictDoUpdate({ target: snapshots.streamId, set: row }),
      )
    }
    return items
  }
}

/** True when a batch failed because another writer took the same `(stream_id, position)`. */
export const isVersionConflict = (error: unknown) =>
  isUniqueViolation(error, 'events.stream_id, events.position')
