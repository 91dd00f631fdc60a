import { and, eq, sql } from 'drizzle-orm'
import { seqOf, type Bus, type StreamEntry } from '../bus/bus.ts'
import type { Clock } from '../clock.ts'
import type { Db } from '../db/database.ts'
import { consumerGaps } from '../db/kernel-schema.ts'
import type { Logger } from '../logger.ts'
import { parseEntry, unique, type Delivery } from './delivery.ts'
import type { GroupInbox } from './group-inbox.ts'

/**
 * Reads a producer's outbox as stream entries (ids `<seq>-0`): up to `count` with seqs in
 * `[fromSeq, toSeq]`, oldest first; undefined when the producer's database cannot be reached from here.
 * Through it a consumer fetches what the stream no longer (or never) held.
 */
export type CatchUp = (
  stream: string,
  fromSeq: number,
  toSeq: number,
  count: number,
) => Promise<StreamEntry[] | undefined>

export interface GapsOptions {
  db: Db
  bus: Bus
  group: string
  inbox: GroupInbox
  logger: Logger
  clock: Clock
  batchSize: number
  catchUp?: CatchUp
  deadLetter(stream: string, entry: StreamEntry, error: unknown, deliveries: number): Promise<void>
}

/**
 * Ranges of a stream that never reached the group: fetched from the producer's outbox where it can be
 * read from here, else logged and recorded for `/health` and `npm run catch-up`.
 */
export class Gaps {
  constructor(private readonly options: GapsOptions) {}

  /** The recorded gaps. */
  list(): Promise<{ stream: string; fromSeq: number; toSeq: number }[]> {
    const { db, group } = this.options
    return db
      .select({ stream: consumerGaps.sourceStream, fromSeq: consumerGaps.fromSeq, toSeq: consumerGaps.toSeq })
      .from(consumerGaps)
      .where(eq(consumerGaps.consumerGroup, group))
  }

  /**
   * Entries `[fromSeq, toSeq]` never reached this consumer. Not a gap while the stream holds them:
   * other consumers of the group have them. Otherwise fetched from the producer's outbox, or recorded.
   */
  async check(stream: string, fromSeq: number, toSeq: number): Promise<void> {
    if ((await this.options.bus.range(stream, fromSeq, toSeq, 1)).length > 0) return
    // Another consumer of the group may have applied them (and trimming removed them) since.
    const from = Math.max(fromSeq, (await this.options.inbox.storedPosition(stream)) + 1)
    if (from <= toSeq) await this.missing(stream, from, toSeq, 'entries missing from the stream')
  }

  /** Entries `[fromSeq, toSeq]` are gone from the stream: fetched from the outbox, or recorded. */
  async missing(stream: string, fromSeq: number, toSeq: number, reason: string): Promise<void> {
    const { group, logger } = this.options
    const next = await this.fetch(stream, fromSeq, toSeq)
    if (next !== undefined && next > toSeq) {
      logger.warn({ stream, group, fromSeq, toSeq }, `${reason}; fetched them from the producer's outbox`)
      return
    }
    const from = next ?? fromSeq
    logger.error(
      { stream, group, fromSeq: from, toSeq },
      `${reason}; run npm run catch-up where the producer's database is reachable`,
    )
    await this.record(stream, from, toSeq)
  }

  /**
   * Fetches the recorded gaps from the producers' outboxes.
   * @returns how many were filled and how many remain (their producer unreachable from here).
   */
  async fill(): Promise<{ filled: number; remaining: number }> {
    const { db, group } = this.options
    const gaps = await db.select().from(consumerGaps).where(eq(consumerGaps.consumerGroup, group))
    let filled = 0
    for (const gap of gaps) {
      const next = await this.fetch(gap.sourceStream, gap.fromSeq, gap.toSeq)
      if (next === undefined || next === gap.fromSeq) continue
      await db
        .delete(consumerGaps)
        .where(
          and(
            eq(consumerGaps.consumerGroup, group),
            eq(consumerGaps.sourceStream, gap.sourceStream),
            eq(consumerGaps.fromSeq, gap.fromSeq),
          ),
        )
      // What is left of it (an event that fails, a producer's outbox that ends early) stays a gap.
      if (next <= gap.toSeq) await this.record(gap.sourceStream, next, gap.toSeq)
      else filled++
    }
    return { filled, remaining: gaps.length - filled }
  }

  /**
   * Applies the producer's outbox rows `[fromSeq, toSeq]` that this group has not applied, in order,
   * stopping at the first that fails (a row that does not match its contract is dead-lettered).
   * @returns the first seq not done (past `toSeq` when all is), or undefined when the producer's
   *   database cannot be reached from here.
   */
  async fetch(stream: string, fromSeq: number, toSeq: number): Promise<number | undefined> {
    const { catchUp, inbox, batchSize, logger, group } = this.options
    let from = fromSeq
    while (from <= toSeq) {
      const entries = await catchUp?.(stream, from, toSeq, batchSize)
      if (!entries) return from === fromSeq ? undefined : from
      if (entries.length === 0) {
        // Seqs the outbox skips (renumbered after a restore) are fine; an outbox that ends before the
        // range does (a stale copy of the producer's database) has not filled it.
        if (
          toSeq === Number.MAX_SAFE_INTEGER ||
          (await catchUp!(stream, toSeq + 1, Number.MAX_SAFE_INTEGER, 1))?.length
        )
          return toSeq + 1
        return from
      }
      const deliveries: Delivery[] = []
      const malformed: { entry: StreamEntry; error: unknown }[] = []
      for (const entry of entries) {
        try {
          deliveries.push({ stream, entry, event: parseEntry(entry) })
        } catch (error) {
          malformed.push({ entry, error })
        }
      }
      const seen = await inbox.alreadyApplied(deliveries)
      const failure = await inbox.applyInOrder(unique(deliveries.filter((d) => !seen.has(d.event.id))))
      if (failure)
        logger.error(
          { err: failure.error, stream, group, entryId: failure.delivery.entry.id },
          'event from the outbox failed',
        )
      const failed = failure && seqOf(failure.delivery.entry.id)
      const done = entries.filter((e) => failed === undefined || seqOf(e.id) < failed)
      // Letters only for rows passed by: those after a failure come again with the next catch-up.
      for (const { entry, error } of malformed)
        if (failed === undefined || seqOf(entry.id) < failed)
          await this.options.deadLetter(stream, entry, error, 0)
      if (done.length > 0) await inbox.advance(stream, done)
      if (failed !== undefined) return failed
      from = seqOf(entries.at(-1)!.id) + 1
    }
    return from
  }

  private async record(stream: string, fromSeq: number, toSeq: number): Promise<void> {
    await this.options.db
      .insert(consumerGaps)
      .values({
        consumerGroup: this.options.group,
        sourceStream: stream,
        fromSeq,
        toSeq,
        detectedAt: this.options.clock.now().toISOString(),
      })
      .onConflictDoUpdate({
        target: [consumerGaps.consumerGroup, consumerGaps.sourceStream, consumerGaps.fromSeq],
        set: { toSeq: sql`max(${consumerGaps.toSeq}, excluded.to_seq)` },
      })
  }
}
