import { and, eq, sql } from 'drizzle-orm'
import type { SQLiteTable } from 'drizzle-orm/sqlite-core'
import * as v from 'valibot'
import { seqOf, type Bus, type ReadRequest, type StreamBatch, type StreamEntry } from '../bus/bus.ts'
import { Envelope, events as contracts } from '../contracts/index.ts'
import type { Db } from '../db/database.ts'
import { consumerGaps, consumerPositions, inbox } from '../db/kernel-schema.ts'
import { databaseOrigin } from '../db/origin.ts'
import { commitWrites, compileInsert, placeholders, type Statement, type Write } from '../db/statements.ts'
import type { Logger } from '../logger.ts'
import { settlesWithin } from '../settles-within.ts'

/** Turns one event into the statements that apply it; runs inside the same batch as the inbox row. */
export type EventHandler = (event: Envelope) => Write[] | Promise<Write[]>

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

export interface ConsumerGroupOptions {
  db: Db
  /** A bus of its own: blocking reads hold the connection. */
  bus: Bus
  group: string
  consumer: string
  streams: string[]
  handle: EventHandler
  logger: Logger
  /** Where missing entries come from; without it a gap is reported and waits for `npm run catch-up`. */
  catchUp?: CatchUp
  /** The tables `handle` writes, emptied by `rebuild`. */
  readModel?: SQLiteTable[]
  batchSize?: number
  blockMs?: number
  /** Entries pending this long (their consumer died or failed) are claimed. */
  claimIdleMs?: number
  /** After this many deliveries a failing event goes to the dead-letter stream. */
  maxDeliveries?: number
  now?: () => Date
}

/** What `/health` says of a group: ranges it never received, dead letters, a second deployment. */
export interface GroupHealth {
  group: string
  gaps: { stream: string; fromSeq: number; toSeq: number }[]
  deadLetters: Record<string, number>
  problem?: string
  /** Why the last read or batch failed, until one succeeds. */
  lastError?: string
}

interface Delivery {
  stream: string
  entry: StreamEntry
  event: Envelope
  /** Not written by a relay and out of sequence (a hand-made `XADD *`): applied, but no position. */
  stray?: true
}

class MalformedEvent extends Error {}

/**
 * Reads a set of streams as one consumer of a group and applies each event exactly once: the effect,
 * an inbox row and the group's position in the stream go into one libSQL batch, the XACK follows. A
 * redelivered event finds its inbox row and is only acknowledged.
 *
 * Entry ids are the producer's outbox seqs, so what never arrived shows as a jump. A jump over entries
 * the stream does not hold (trimmed before this group read them, lost with Redis) is a gap: it is
 * fetched from the producer's outbox when `catchUp` can, else logged and recorded for `/health` and
 * the catch-up command. On start, a group whose position in Redis is ahead of the one in its database
 * (the database was restored from a backup) is moved back, so what the database lost is applied again.
 *
 * @example
 * const consumer = new ConsumerGroup({ db, bus, group: 'workshop', consumer: 'host-1', streams, handle, logger })
 * await consumer.start()
 * await consumer.stop() // finishes and acknowledges the batch in hand
 */
export class ConsumerGroup {
  private stopping = false
  private reading = false
  private loop: Promise<void> | undefined
  private nextClaimAt = 0
  /** The last acknowledgement `run` sent without waiting for its reply. */
  private acknowledging: Promise<void> = Promise.resolve()
  /** Per stream, the highest seq this group is done with, as its database says. */
  private readonly positions = new Map<string, number>()
  private problem: string | undefined
  private origin: string | undefined
  private lastError: string | undefined
  /** Ends the wait between failed reads early, for `stop()`. */
  private wake = () => {}
  private readonly batchSize: number
  private readonly claimIdleMs: number
  private readonly maxDeliveries: number
  // Built once: these run for every batch.
  private readonly insertInbox
  private readonly appliedAmong

  constructor(private readonly options: ConsumerGroupOptions) {
    this.batchSize = options.batchSize ?? 500
    this.claimIdleMs = options.claimIdleMs ?? 30_000
    this.maxDeliveries = options.maxDeliveries ?? 5
    const { db } = options
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

  get group(): string {
    return this.options.group
  }

  async start(): Promise<void> {
    if (await this.prepare()) await this.drainOwnPending()
    this.loop = this.run()
  }

  /** Stops reading, lets the batch in hand finish and be acknowledged, then closes the connection. */
  async stop(): Promise<void> {
    this.stopping = true
    this.wake()
    // A blocking read is ended early rather than by closing the connection: a read that has already
    // returned entries must still be able to acknowledge them.
    const deadline = Date.now() + 2_000
    while (this.loop && !(await settlesWithin(this.loop, 100))) {
      if (!this.reading) continue // a batch in hand: it finishes and is acknowledged
      const interrupted =
        Date.now() < deadline &&
        (await this.options.bus.interrupt().then(
          () => true,
          () => false,
        ))
      if (!interrupted) {
        // Redis cannot be reached: the read cannot return anything either, and closing is the only
        // way left to end it. A read queued while reconnecting may never settle once closed.
        await this.options.bus.close()
        await settlesWithin(this.loop, 1_000)
        return
      }
    }
    await this.options.bus.close()
  }

  /**
   * One bounded pass for hosts that cannot hold a connection or block on it (workerd's `scheduled` and
   * alarms, REST buses): own pending entries, idle entries of others, then new entries without blocking
   * until none are left or `budgetMs` is spent.
   * @returns how many entries were acknowledged.
   */
  async poll(budgetMs: number): Promise<number> {
    const deadline = Date.now() + budgetMs
    if (!(await this.prepare())) return 0
    let acknowledged = await this.drainOwnPending()
    acknowledged += await this.claimIdle()
    while (Date.now() < deadline) {
      const read = await this.read('>')
      if (read.length === 0) break
      for (const { stream, entries } of read)
        acknowledged += await this.process(stream, entries, { firstDelivery: true })
    }
    return acknowledged
  }

  /**
   * Fetches the recorded gaps from the producers' outboxes.
   * @returns how many were filled and how many remain (their producer unreachable from here).
   */
  async fillGaps(): Promise<{ filled: number; remaining: number }> {
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
      if (next <= gap.toSeq) await this.recordGap(gap.sourceStream, next, gap.toSeq)
      else filled++
    }
    return { filled, remaining: gaps.length - filled }
  }

  /**
   * Applies the producers' whole history from their outboxes, skipping what is applied: a group added
   * later starts from the beginning.
   * @returns the streams whose producer could not be reached, or whose history stopped at an event that fails.
   */
  async replayHistory(): Promise<string[]> {
    const incomplete: string[] = []
    for (const stream of this.options.streams)
      if ((await this.fetch(stream, 1, Number.MAX_SAFE_INTEGER)) !== Number.MAX_SAFE_INTEGER + 1)
        incomplete.push(stream)
    return incomplete
  }

  /**
   * Empties the read model and the group's inbox, positions and gaps in one transaction, then applies
   * the producers' whole history again.
   * @returns the streams whose producer could not be reached (their events are missing until a catch-up).
   */
  async rebuild(): Promise<string[]> {
    const { db, group, readModel = [], streams, catchUp } = this.options
    // Nothing is emptied unless every producer's history can be read.
    const unreachable: string[] = []
    for (const stream of streams) if (!(await catchUp?.(stream, 1, 1, 1))) unreachable.push(stream)
    if (unreachable.length > 0) return unreachable
    await commitWrites(db, [
      ...readModel.map((table) => db.delete(table)),
      db.delete(inbox).where(eq(inbox.consumerGroup, group)),
      db.delete(consumerPositions).where(eq(consumerPositions.consumerGroup, group)),
      db.delete(consumerGaps).where(eq(consumerGaps.consumerGroup, group)),
    ])
    this.positions.clear()
    return this.replayHistory()
  }

  /** Gaps come from the database; dead letters from Redis through `bus`, when given (Redis answers). */
  async health(bus?: Bus): Promise<GroupHealth> {
    const { db, group, streams } = this.options
    const gaps = await db
      .select({ stream: consumerGaps.sourceStream, fromSeq: consumerGaps.fromSeq, toSeq: consumerGaps.toSeq })
      .from(consumerGaps)
      .where(eq(consumerGaps.consumerGroup, group))
    // A group built only to report (workerd) has not claimed anything yet: it asks now.
    if (bus) await this.ownsGroups(await this.originOf(), bus)
    const deadLetters: Record<string, number> = {}
    for (const stream of bus ? streams : []) {
      const count = await bus!.countDeadLetters(stream)
      if (count > 0) deadLetters[stream] = count
    }
    return {
      group,
      gaps,
      deadLetters,
      ...(this.problem ? { problem: this.problem } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    }
  }

  /** This group's dead letters on each stream it reads, oldest first (fields: error, deliveries, entryId, ...). */
  async deadLetters(): Promise<{ stream: string; letter: StreamEntry }[]> {
    const found: { stream: string; letter: StreamEntry }[] = []
    for (const stream of this.options.streams) {
      let after: string | undefined
      for (;;) {
        const page = await this.options.bus.readDeadLetters(stream, 1000, after)
        for (const letter of page)
          if (letter.fields.group === this.options.group) found.push({ stream, letter })
        if (page.length < 1000) break
        after = page.at(-1)!.id
      }
    }
    return found
  }

  /**
   * Applies the group's dead letters again (after the cause is fixed); those that still fail stay.
   * @returns how many were applied.
   */
  async redrive(): Promise<number> {
    let applied = 0
    for (const { stream, letter } of await this.deadLetters()) {
      const entry = { id: letter.fields.entryId ?? letter.id, fields: letter.fields }
      try {
        const delivery = { stream, entry, event: this.parse(entry) }
        if (!(await this.alreadyApplied([delivery])).size) await this.apply([delivery])
        await this.options.bus.deleteDeadLetters(stream, [letter.id])
        applied++
      } catch (error) {
        this.options.logger.warn({ err: error, stream, entryId: entry.id }, 'dead letter still fails')
      }
    }
    return applied
  }

  /**
   * Creates the groups, claims them for this database, loads the positions and moves a group back
   * where Redis is ahead of them. False when another deployment's database owns the group.
   */
  private async prepare(): Promise<boolean> {
    const { db, bus, group, streams, logger } = this.options
    const origin = await this.originOf()
    const rows = await db.select().from(consumerPositions).where(eq(consumerPositions.consumerGroup, group))
    for (const row of rows) this.positions.set(row.sourceStream, row.seq)
    if (!(await this.ownsGroups(origin))) return false
    for (const stream of streams) {
      await bus.ensureGroup(stream, group)
      const position = this.positions.get(stream) ?? 0
      const info = (await bus.groups(stream)).find((g) => g.name === group)
      if (
        info &&
        info.lastDeliveredSeq > position &&
        (await this.lostPast(stream, position, info.lastDeliveredSeq))
      ) {
        await bus.setGroupPosition(stream, group, position)
        logger.warn(
          { group, stream, from: position, redis: info.lastDeliveredSeq },
          'the database is behind its consumer group (restored from a backup?); applying again from its position',
        )
      }
    }
    return true
  }

  /**
   * Claims the group on every stream for this database, through `bus` (health asks on the host's
   * connection: the group's own may be held by a blocking read); false (and a problem reported) where
   * another database owns it.
   */
  /** The database's origin, read once: it never changes while the database is open. */
  private async originOf(): Promise<string> {
    return (this.origin ??= await databaseOrigin(this.options.db))
  }

  private async ownsGroups(origin: string, bus = this.options.bus): Promise<boolean> {
    const { group, streams, logger } = this.options
    for (const stream of streams) {
      const owner = await bus.claim(`${stream}.group.${group}`, origin)
      if (owner === origin) continue
      this.problem = `group ${group} on ${stream} belongs to another database (origin ${owner}): two deployments share the stream prefix`
      logger.error({ group, stream, owner, origin }, 'consumer group not started')
      return false
    }
    this.problem = undefined
    return true
  }

  /**
   * Whether the group acknowledged entries in `(position, lastDelivered]` that the database has no
   * record of: lost with it (restored from a backup), to be applied again. Entries still pending are
   * in flight (delivered again or claimed anyway), and entries the relay did not write do not count.
   */
  private async lostPast(stream: string, position: number, lastDelivered: number): Promise<boolean> {
    const { bus, group } = this.options
    const count = Math.min(lastDelivered - position, 10_000)
    const entries = await bus.range(stream, position + 1, lastDelivered, count)
    const pending = new Set(await bus.pendingIds(stream, group, position + 1, lastDelivered, count))
    return entries.some((e) => e.fields.origin !== undefined && !pending.has(e.id))
  }

  private async run(): Promise<void> {
    try {
      await this.readUntilStopped()
    } finally {
      await this.acknowledging
    }
  }

  private async readUntilStopped(): Promise<void> {
    let backoffMs = 100
    while (!this.stopping) {
      try {
        // Another deployment's database owns the group: nothing is read until that changes.
        if (this.problem && !(await this.prepare())) throw new Error(this.problem)
        if (Date.now() >= this.nextClaimAt) await this.claimIdle()
        // stop() may have come while a claimed batch was in hand: it found no read to interrupt.
        if (this.stopping) break
        this.reading = true
        const batches = await this.read('>', Math.min(this.options.blockMs ?? 5_000, this.claimIdleMs))
        this.reading = false
        // The acknowledgement goes out right before the next read on the same connection, which Redis
        // serves in order: waiting for its reply first would cost a round trip per batch.
        for (const { stream, entries } of batches)
          await this.process(stream, entries, { firstDelivery: true, ackInBackground: true })
        backoffMs = 100
        this.lastError = undefined
      } catch (error) {
        this.reading = false
        if (this.stopping) return
        // The stream or group vanished (Redis flushed or restarted empty; a read blocked at that moment
        // is ended with UNBLOCKED): recreate and read from the start.
        this.lastError = (error as Error).message
        if (/NOGROUP|UNBLOCKED the stream key no longer exists/.test(String(error))) {
          this.options.logger.warn({ group: this.options.group }, 'consumer group missing; recreating it')
          // Redis may refuse (out of memory, say), or another database own the group: then wait as
          // after any failure.
          if (await this.prepare().catch(() => false)) continue
        }
        this.options.logger.error({ err: error, group: this.options.group }, 'consumer read failed; retrying')
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, backoffMs)
          this.wake = () => (clearTimeout(timer), resolve())
        })
        backoffMs = Math.min(backoffMs * 2, 5_000)
      }
    }
  }

  private identity() {
    return { group: this.options.group, consumer: this.options.consumer }
  }

  /** One read of every stream, a batch at most, `blockMs` waiting for new entries; only the streams that had some. */
  private async read(from: ReadRequest['from'], blockMs?: number): Promise<StreamBatch[]> {
    const { bus, streams } = this.options
    const batches = await bus.readGroup({ ...this.identity(), streams, from, count: this.batchSize, blockMs })
    return batches.filter((b) => b.entries.length > 0)
  }

  /** Entries this consumer received before a crash or restart, not yet acknowledged. */
  private async drainOwnPending(): Promise<number> {
    let total = 0
    for (;;) {
      const pending = await this.read('0')
      if (pending.length === 0) return total
      let acknowledged = 0
      for (const { stream, entries } of pending) acknowledged += await this.process(stream, entries)
      // Whatever is left keeps failing; claiming will retry it and dead-letter it in time.
      if (acknowledged === 0) return total
      total += acknowledged
    }
  }

  /** Takes over entries left pending by others, and forgets consumers gone for good. */
  private async claimIdle(): Promise<number> {
    this.nextClaimAt = Date.now() + this.claimIdleMs / 2
    const { bus, group, consumer } = { bus: this.options.bus, ...this.identity() }
    let acknowledged = 0
    for (const stream of this.options.streams) {
      const entries = await bus.claimIdle(stream, group, consumer, this.claimIdleMs, this.batchSize)
      if (entries.length > 0) acknowledged += await this.process(stream, entries)
      // A consumer with nothing pending that has not read for two claim periods is gone (a restart
      // under another name, a host scaled away); one still alive is simply made again when it reads.
      await bus.deleteIdleConsumers(stream, group, 2 * this.claimIdleMs, consumer)
    }
    return acknowledged
  }

  /**
   * Applies a batch and acknowledges what is done. `firstDelivery` skips looking up in the inbox the
   * entries past the group's position: an entry read for the first time is there only if it was
   * published twice, and then the inbox's unique index refuses the batch and the one-by-one path
   * recognises it. `ackInBackground` sends the acknowledgement without waiting for its reply (see
   * `readUntilStopped`).
   * @returns how many entries were acknowledged.
   */
  private async process(
    stream: string,
    entries: StreamEntry[],
    { firstDelivery = false, ackInBackground = false } = {},
  ): Promise<number> {
    const done: string[] = []
    const fresh: Delivery[] = []
    let last = this.positions.get(stream) ?? 0
    for (const entry of entries) {
      if (entry.trimmed) {
        await this.missing(
          stream,
          seqOf(entry.id),
          seqOf(entry.id),
          'a pending entry was trimmed from the stream before it was applied',
        )
        done.push(entry.id)
        continue
      }
      const seq = seqOf(entry.id)
      // An entry out of sequence that no relay stamped (a stray `XADD *`) must not carry the position
      // off, where gaps would go unnoticed, nor count as a gap.
      const stray = entry.fields.origin === undefined && seq > last + 1
      try {
        fresh.push({ stream, entry, event: this.parse(entry), ...(stray ? { stray: true as const } : {}) })
      } catch (error) {
        if (!stray) await this.advance(stream, [entry])
        await this.deadLetter(stream, entry, error, await this.deliveriesOf(stream, entry))
        done.push(entry.id) // acknowledged with its letter already; counted as done
        if (!stray) last = Math.max(last, seq)
        continue
      }
      if (stray) continue
      if (seq > last + 1) await this.checkGap(stream, last + 1, seq - 1)
      last = Math.max(last, seq)
    }
    const position = this.positions.get(stream) ?? 0
    const recheck = fresh.filter((d) => !firstDelivery || seqOf(d.entry.id) <= position)
    const seen = await this.alreadyApplied(recheck)
    const unseen = fresh.filter((d) => !seen.has(d.event.id))
    const skipped = fresh.filter((d) => seen.has(d.event.id))
    if (skipped.length > 0) await this.advance(stream, positioned(skipped))
    done.push(...skipped.map((d) => d.entry.id))
    done.push(...(await this.applyAll(stream, unseen)))
    const ack = this.options.bus.ack(stream, this.options.group, done)
    if (!ackInBackground) await ack
    else
      this.acknowledging = ack.catch((error) =>
        // The entries stay pending: they are delivered again and recognised by their inbox rows.
        this.options.logger.warn({ err: error, stream }, 'acknowledging failed'),
      )
    return done.length
  }

  /**
   * Entries `[fromSeq, toSeq]` never reached this consumer. Not a gap while the stream holds them:
   * other consumers of the group have them. Otherwise fetched from the producer's outbox, or reported.
   */
  private async checkGap(stream: string, fromSeq: number, toSeq: number): Promise<void> {
    if ((await this.options.bus.range(stream, fromSeq, toSeq, 1)).length > 0) return
    // Another consumer of the group may have applied them (and trimming removed them) since.
    const [row] = await this.options.db
      .select({ seq: consumerPositions.seq })
      .from(consumerPositions)
      .where(
        and(
          eq(consumerPositions.consumerGroup, this.options.group),
          eq(consumerPositions.sourceStream, stream),
        ),
      )
    const from = Math.max(fromSeq, (row?.seq ?? 0) + 1)
    if (from <= toSeq) await this.missing(stream, from, toSeq, 'entries missing from the stream')
  }

  private async missing(stream: string, fromSeq: number, toSeq: number, reason: string): Promise<void> {
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
    await this.recordGap(stream, from, toSeq)
  }

  private async recordGap(stream: string, fromSeq: number, toSeq: number): Promise<void> {
    await this.options.db
      .insert(consumerGaps)
      .values({
        consumerGroup: this.options.group,
        sourceStream: stream,
        fromSeq,
        toSeq,
        detectedAt: new Date().toISOString(),
      })
      .onConflictDoUpdate({
        target: [consumerGaps.consumerGroup, consumerGaps.sourceStream, consumerGaps.fromSeq],
        set: { toSeq: sql`max(${consumerGaps.toSeq}, excluded.to_seq)` },
      })
  }

  /**
   * Applies the producer's outbox rows `[fromSeq, toSeq]` that this group has not applied, in order,
   * stopping at the first that fails (a row that does not match its contract is dead-lettered).
   * @returns the first seq not done (past `toSeq` when all is), or undefined when the producer's
   *   database cannot be reached from here.
   */
  private async fetch(stream: string, fromSeq: number, toSeq: number): Promise<number | undefined> {
    const { catchUp } = this.options
    let from = fromSeq
    while (from <= toSeq) {
      const entries = await catchUp?.(stream, from, toSeq, this.batchSize)
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
          deliveries.push({ stream, entry, event: this.parse(entry) })
        } catch (error) {
          malformed.push({ entry, error })
        }
      }
      const seen = await this.alreadyApplied(deliveries)
      const failed = await this.applyInOrder(unique(deliveries.filter((d) => !seen.has(d.event.id))))
      const done = entries.filter((e) => failed === undefined || seqOf(e.id) < failed)
      // Letters only for rows passed by: those after a failure come again with the next catch-up.
      for (const { entry, error } of malformed)
        if (failed === undefined || seqOf(entry.id) < failed) await this.deadLetter(stream, entry, error, 0)
      if (done.length > 0) await this.advance(stream, done)
      if (failed !== undefined) return failed
      from = seqOf(entries.at(-1)!.id) + 1
    }
    return from
  }

  /**
   * Applies `deliveries` (from an outbox) as one batch, else one by one up to the first that fails.
   * @returns the seq of the one that failed, or undefined when all were applied.
   */
  private async applyInOrder(deliveries: Delivery[]): Promise<number | undefined> {
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
        this.options.logger.error(
          { err: error, stream: delivery.stream, group: this.options.group, entryId: delivery.entry.id },
          'event from the outbox failed',
        )
        return seqOf(delivery.entry.id)
      }
    }
    return undefined
  }

  /** Applies `deliveries` as one batch where it can, else one by one. @returns the ids of the entries done. */
  private async applyAll(stream: string, deliveries: Delivery[]): Promise<string[]> {
    try {
      await this.apply(unique(deliveries))
      return deliveries.map((d) => d.entry.id)
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
        await this.apply(unique(rest))
        return [...done, ...rest.map((d) => d.entry.id)]
      } catch {
        // One by one, below.
      }
    }
    // One bad event must not hold back the others.
    for (const delivery of rest) if (await this.applyOne(delivery)) done.push(delivery.entry.id)
    return done
  }

  private async applyOne(delivery: Delivery): Promise<boolean> {
    try {
      if (!(await this.alreadyApplied([delivery])).size) await this.apply([delivery])
      else await this.advance(delivery.stream, positioned([delivery]))
      return true
    } catch (error) {
      const deliveries = await this.deliveriesOf(delivery.stream, delivery.entry)
      if (deliveries < this.maxDeliveries) {
        this.options.logger.warn(
          { err: error, eventId: delivery.event.id, deliveries },
          'event failed; will retry',
        )
        return false
      }
      await this.advance(delivery.stream, positioned([delivery]))
      await this.deadLetter(delivery.stream, delivery.entry, error, deliveries)
      return true
    }
  }

  private async apply(deliveries: Delivery[]): Promise<void> {
    if (deliveries.length === 0) return
    const { db, group, handle } = this.options
    const appliedAt = (this.options.now?.() ?? new Date()).toISOString()
    const effects: Write[] = []
    for (const { event } of deliveries) effects.push(...(await handle(event)))
    const received = deliveries.map(({ stream, entry, event }) => ({
      consumerGroup: group,
      eventId: event.id,
      type: event.type,
      sourceStream: stream,
      entryId: entry.id,
      envelope: entry.fields.event!,
      appliedAt,
    }))
    // One multi-row insert for the inbox: a redelivered event in it fails the whole batch on the unique index.
    const positions = this.positionWrites(positioned(deliveries), deliveries[0]!.stream)
    await commitWrites(db, [...effects, this.insertInbox(received), ...positions.writes])
    positions.commit()
  }

  /** Records that the group is done with `entries` (skipped or dead-lettered), before acknowledging them. */
  private async advance(stream: string, entries: StreamEntry[]): Promise<void> {
    const positions = this.positionWrites(entries, stream)
    if (positions.writes.length === 0) return
    await commitWrites(this.options.db, positions.writes)
    positions.commit()
  }

  /** The statement moving the group's position in `stream` up to the highest of `entries`, if that is ahead. */
  private positionWrites(entries: StreamEntry[], stream: string): { writes: Statement[]; commit(): void } {
    const highest = Math.max(0, ...entries.map((e) => seqOf(e.id)))
    const current = this.positions.get(stream) ?? 0
    if (!(highest > current)) return { writes: [], commit() {} }
    return {
      writes: [
        {
          sql: 'insert into consumer_positions (consumer_group, source_stream, seq) values (?, ?, ?) on conflict do update set seq = max(seq, excluded.seq)',
          args: [this.options.group, stream, highest],
        },
      ],
      commit: () => this.positions.set(stream, Math.max(this.positions.get(stream) ?? 0, highest)),
    }
  }

  private async alreadyApplied(deliveries: Delivery[]): Promise<Set<string>> {
    if (deliveries.length === 0) return new Set()
    const ids = JSON.stringify(deliveries.map((d) => d.event.id))
    const rows = await this.appliedAmong.all({ group: this.options.group, ids })
    return new Set(rows.map((r) => r.eventId))
  }

  private parse(entry: StreamEntry): Envelope {
    let json: unknown
    try {
      json = JSON.parse(entry.fields.event ?? '')
    } catch {
      throw new MalformedEvent('event field is not JSON')
    }
    const type = (json as { type?: unknown } | null)?.type
    const schema =
      typeof type === 'string' && type in contracts ? contracts[type as keyof typeof contracts] : Envelope
    const result = v.safeParse(schema, json)
    if (!result.success) {
      const fields = result.issues.map((i) => `${v.getDotPath(i) ?? '(root)'}: ${i.message}`).join('; ')
      throw new MalformedEvent(`event does not match its contract: ${fields}`)
    }
    return result.output as Envelope
  }

  private async deliveriesOf(stream: string, entry: StreamEntry): Promise<number> {
    return this.options.bus.deliveries(stream, this.options.group, entry.id)
  }

  /** Moves the entry to the dead-letter stream, acknowledging it in the same step. */
  private async deadLetter(
    stream: string,
    entry: StreamEntry,
    error: unknown,
    deliveries: number,
  ): Promise<void> {
    const message = error instanceof Error ? error.message : String(error)
    this.options.logger.error(
      { stream, entryId: entry.id, error: message, deliveries },
      'event dead-lettered',
    )
    await this.options.bus.deadLetter(stream, {
      group: this.options.group,
      entry,
      error: message,
      deliveries,
    })
  }
}

/** The entries of `deliveries` that move the group's position (all but strays). */
const positioned = (deliveries: Delivery[]) => deliveries.filter((d) => !d.stray).map((d) => d.entry)

/** The same event twice in one read (published twice) must become one effect and one inbox row. */
function unique(deliveries: Delivery[]): Delivery[] {
  const ids = new Set<string>()
  return deliveries.filter((d) => !ids.has(d.event.id) && ids.add(d.event.id))
}
