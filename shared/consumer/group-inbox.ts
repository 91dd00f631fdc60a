import { and, eq, sql } from 'drizzle-orm'
import { seqOf, type StreamEntry } from '../bus/bus.ts'
import type { Clock } from '../clock.ts'
import type { Envelope } from '../contracts/index.ts'
import { isConstraintViolation, type Db } from '../db/database.ts'
import { consumerPositions, inbox } from '../db/kernel-schema.ts'
import { commitWrites, compileInsert, placeholders, type Statement, type Write } from '../db/statements.ts'
import { positioned, unique, type Delivery } from './delivery.ts'

/** Turns one event into the statements that apply it; runs inside the same batch as the inbox row. */
export type EventHandler = (event: Envelope) => Write[] | Promise<Write[]>

/** A delivery that could not be applied, with why. */
export interface Failure {
  delivery: Delivery
  error: unknown
}

/**
 * A group's side of the database: each event's effects, its inbox row and the group's position in its
 * stream go into one batch, so an event is applied exactly once however often it is delivered.
 */
export class GroupInbox {
  /** Per stream, the highest seq this group is done with, as its database says. */
  private readonly positions = new Map<string, number>()
  // Built once: these run for every batch.
  private readonly insertInbox
  private readonly appliedAmong

  constructor(
    private readonly db: Db,
    private readonly group: string,
    private readonly handle: EventHandler,
    private readonly clock: Clock,
    /** Called with each batch's effects once they commit: events they recorded in the outbox go out at once. */
    private readonly onApplied: (effects: Write[]) => void = () => {},
  ) {
    this.insertInbox = compileInsert<typeof inbox.$inferInsert>(
      db
        .insert(inbox)
        .values(
          placeholders(inbox, [
            'consumerGroup',
            'eventId',
            'type',
            'sourceStream',
            'entryId',
            'envelope',
            'appliedAt',
          ]),
        ),
    )
    // The ids travel as one JSON array, so one statement serves batches of any size.
    this.appliedAmong = db
      .select({ eventId: inbox.eventId })
      .from(inbox)
      .where(
        and(
          eq(inbox.consumerGroup, sql.placeholder('group')),
          sql`${inbox.eventId} in (select value from json_each(${sql.placeholder('ids')}))`,
        ),
      )
      .prepare()
  }

  /** Reads the group's positions from the database. */
  async load(): Promise<void> {
    const rows = await this.db
      .select()
      .from(consumerPositions)
      .where(eq(consumerPositions.consumerGroup, this.group))
    for (const row of rows) this.positions.set(row.sourceStream, row.seq)
  }

  /** The highest seq of `stream` this group is done with. */
  position(stream: string): number {
    return this.positions.get(stream) ?? 0
  }

  /** The position as the database has it now: another consumer of the group may have moved it. */
  async storedPosition(stream: string): Promise<number> {
    const [row] = await this.db
      .select({ seq: consumerPositions.seq })
      .from(consumerPositions)
      .where(and(eq(consumerPositions.consumerGroup, this.group), eq(consumerPositions.sourceStream, stream)))
    return row?.seq ?? 0
  }

  /** Forgets the positions, after `rebuild` emptied them. */
  forget(): void {
    this.positions.clear()
  }

  /** The ids of the events among `deliveries` this group has applied already. */
  async alreadyApplied(deliveries: Delivery[]): Promise<Set<string>> {
    if (deliveries.length === 0) return new Set()
    const ids = JSON.stringify(deliveries.map((d) => d.event.id))
    const rows = await this.appliedAmong.all({ group: this.group, ids })
    return new Set(rows.map((r) => r.eventId))
  }

  /**
   * Applies `deliveries` in one batch: effects, inbox rows and position, all or nothing. An event among
   * them twice (published twice, both entries in one read) is applied once, and the position still
   * passes its later entry: that one is done with too, and acknowledged.
   */
  async apply(deliveries: Delivery[]): Promise<void> {
    if (deliveries.length === 0) return
    const appliedAt = this.clock.now().toISOString()
    const events = unique(deliveries)
    const effects: Write[] = []
    for (const { event } of events) effects.push(...(await this.handle(event)))
    const received = events.map(({ stream, entry, event }) => ({
      consumerGroup: this.group,
      eventId: event.id,
      type: event.type,
      sourceStream: stream,
      entryId: entry.id,
      envelope: entry.fields.event!,
      appliedAt,
    }))
    // One multi-row insert for the inbox: a redelivered event in it fails the whole batch on the unique index.
    const positions = this.positionWrites(positioned(deliveries), deliveries[0]!.stream)
    await commitWrites(this.db, [...effects, this.insertInbox(received), ...positions.writes])
    positions.commit()
    this.onApplied(effects)
  }

  /**
   * Applies `deliveries` as one batch where it can, else one by one, so one bad event does not hold
   * back the others.
   * @returns the ids of the entries done, and the deliveries that failed.
   */
  async applyAll(stream: string, deliveries: Delivery[]): Promise<{ done: string[]; failed: Failure[] }> {
    try {
      await this.apply(deliveries)
      return { done: deliveries.map((d) => d.entry.id), failed: [] }
    } catch {
      // Looked at below.
    }
    // Events published twice break the batch on the inbox's unique index (first deliveries skip the
    // lookup): those are looked up once, and the rest tried again as one batch.
    const applied = await this.alreadyApplied(deliveries)
    const rest = deliveries.filter((d) => !applied.has(d.event.id))
    const done = deliveries.filter((d) => applied.has(d.event.id)).map((d) => d.entry.id)
    if (done.length > 0) {
      await this.advance(stream, positioned(deliveries.filter((d) => applied.has(d.event.id))))
      try {
        await this.apply(rest)
        return { done: [...done, ...rest.map((d) => d.entry.id)], failed: [] }
      } catch {
        // One by one, below.
      }
    }
    const failed: Failure[] = []
    for (const delivery of rest) {
      try {
        await this.applyAlone(delivery)
        done.push(delivery.entry.id)
      } catch (error) {
        failed.push({ delivery, error })
      }
    }
    return { done, failed }
  }

  /**
   * Applies one delivery unless the group has applied it already. A handler that decides on what other
   * writers change (an aggregate's version, stock) can lose to one of them; refused by a constraint, it
   * is decided again at once, a few times, rather than counted as a failed delivery.
   */
  private async applyAlone(delivery: Delivery, attempts = 3): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (!(await this.alreadyApplied([delivery])).size) await this.apply([delivery])
        else await this.advance(delivery.stream, positioned([delivery]))
        return
      } catch (error) {
        if (attempt >= attempts || !isConstraintViolation(error)) throw error
      }
    }
  }

  /**
   * Applies `deliveries` (from an outbox, in order) as one batch, else one by one up to the first
   * that fails.
   * @returns the one that failed, if any.
   */
  async applyInOrder(deliveries: Delivery[]): Promise<Failure | undefined> {
    try {
      await this.apply(deliveries)
      return undefined
    } catch {
      // One by one, below.
    }
    for (const delivery of deliveries) {
      try {
        await this.apply([delivery])
      } catch (error) {
        return { delivery, error }
      }
    }
    return undefined
  }

  /** Records that the group is done with `entries` (skipped or dead-lettered), before acknowledging them. */
  async advance(stream: string, entries: StreamEntry[]): Promise<void> {
    const positions = this.positionWrites(entries, stream)
    if (positions.writes.length === 0) return
    await commitWrites(this.db, positions.writes)
    positions.commit()
  }

  /** The statement moving the group's position in `stream` up to the highest of `entries`, if that is ahead. */
  private positionWrites(entries: StreamEntry[], stream: string): { writes: Statement[]; commit(): void } {
    const highest = Math.max(0, ...entries.map((e) => seqOf(e.id)))
    if (!(highest > this.position(stream))) return { writes: [], commit() {} }
    return {
      writes: [
        {
          sql: 'insert into consumer_positions (consumer_group, source_stream, seq) values (?, ?, ?) on conflict do update set seq = max(seq, excluded.seq)',
          args: [this.group, stream, highest],
        },
      ],
      commit: () => this.positions.set(stream, Math.max(this.position(stream), highest)),
    }
  }
}
