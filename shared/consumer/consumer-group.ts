import { eq } from 'drizzle-orm'
import type { SQLiteTable } from 'drizzle-orm/sqlite-core'
import {
  seqOf,
  type Bus,
  type ReadRequest,
  type StreamBatch,
  type StreamEntry,
  type StreamStatus,
} from '../bus/bus.ts'
import { systemClock, type Clock } from '../clock.ts'
import type { Db } from '../db/database.ts'
import { consumerGaps, consumerPositions, inbox } from '../db/kernel-schema.ts'
import { databaseOrigin } from '../db/origin.ts'
import { commitWrites, type Write } from '../db/statements.ts'
import type { Logger } from '../logger.ts'
import { settlesWithin } from '../settles-within.ts'
import { deadLettersOf, sendToDeadLetters } from './dead-letters.ts'
import { parseEntry, positioned, type Delivery } from './delivery.ts'
import { Gaps, type CatchUp } from './gaps.ts'
import { GroupInbox, type EventHandler, type Failure } from './group-inbox.ts'
import { acknowledgedPast, claimGroup } from './ownership.ts'

export type { CatchUp } from './gaps.ts'
export type { EventHandler } from './group-inbox.ts'

export interface ConsumerGroupOptions {
  db: Db
  /** A bus of its own: blocking reads hold the connection. */
  bus: Bus
  group: string
  consumer: string
  streams: string[]
  handle: EventHandler
  logger: Logger
  /** Stamps inbox rows and recorded gaps. */
  clock?: Clock
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
  /** Called with each batch's effects once they commit (the outbox rows of events they led to among them). */
  onApplied?: (effects: Write[]) => void
}

/** What `/health` says of a group: ranges it never received, dead letters, a second deployment. */
export interface GroupHealth {
  group: string
  gaps: { stream: string; fromSeq: number; toSeq: number }[]
  deadLetters: Record<string, number>
  /** How the group stands on each stream it reads; only when Redis answered. */
  streams?: StreamHealth[]
  problem?: string
  /** Why the last read or batch failed, until one succeeds. */
  lastError?: string
}

/**
 * One stream of a group, as Redis tells it (`Bus.streamStatus`), with the group's `lag`: the entries
 * the stream holds past the last one delivered to the group, not yet read by any of its consumers.
 * (`pending` are those read and not yet acknowledged: in hand, or left by a consumer that died.)
 */
export type StreamHealth = StreamStatus & { lag: number }

/**
 * Adds the lag, never negative: a stream trimmed empty, or whose last entries were deleted, ends
 * before what the group was delivered.
 */
function withLag({ stream, length, lastSeq, lastDeliveredSeq, ...rest }: StreamStatus): StreamHealth {
  const lag = Math.max(0, lastSeq - lastDeliveredSeq)
  // In this order, so a report reads from the stream to the group's consumers.
  return { stream, length, lastSeq, lastDeliveredSeq, lag, ...rest }
}

/**
 * Reads a set of streams as one consumer of a group and applies each event exactly once: the effect,
 * an inbox row and the group's position in the stream go into one libSQL batch (`GroupInbox`), the
 * XACK follows. A redelivered event finds its inbox row and is only acknowledged.
 *
 * Entry ids are the producer's outbox seqs, so what never arrived shows as a jump. A jump over entries
 * the stream does not hold (trimmed before this group read them, lost with Redis) is a gap (`Gaps`):
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
  /** Whether `poll` may skip `prepare`. */
  private prepared = false
  /** The last acknowledgement `run` sent without waiting for its reply. */
  private acknowledging: Promise<void> = Promise.resolve()
  private problem: string | undefined
  private origin: string | undefined
  private lastError: string | undefined
  /** Ends the wait between failed reads early, for `stop()`. */
  private wake = () => {}
  private readonly batchSize: number
  private readonly claimIdleMs: number
  private readonly maxDeliveries: number
  private readonly inbox: GroupInbox
  private readonly gaps: Gaps

  constructor(private readonly options: ConsumerGroupOptions) {
    this.batchSize = options.batchSize ?? 500
    this.claimIdleMs = options.claimIdleMs ?? 30_000
    this.maxDeliveries = options.maxDeliveries ?? 5
    const { db, bus, group, logger, catchUp, clock = systemClock } = options
    this.inbox = new GroupInbox(db, group, options.handle, clock, options.onApplied)
    this.gaps = new Gaps({
      db,
      bus,
      group,
      logger,
      clock,
      catchUp,
      inbox: this.inbox,
      batchSize: this.batchSize,
      deadLetter: (stream, entry, error, deliveries) => this.deadLetter(stream, entry, error, deliveries),
    })
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
    const deadline = performance.now() + 2_000
    while (this.loop && !(await settlesWithin(this.loop, 100))) {
      if (!this.reading) continue // a batch in hand: it finishes and is acknowledged
      const interrupted =
        performance.now() < deadline &&
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
   * Whether a `poll` would find nothing to do: each stream delivered to the group up to its last entry
   * (a group missing from a stream that holds entries is not), and nothing pending. One round trip,
   * where a poll makes several for each stream and reads the database; it looks at Redis only, so
   * a host that asks before polling still polls now and then, for what only a poll finds (a database
   * restored behind the group's position in Redis).
   */
  async caughtUp(): Promise<boolean> {
    const { bus, streams, group } = this.options
    const standing = await bus.streamStatus(streams, group)
    return standing.every((s) => s.lastDeliveredSeq >= s.lastSeq && s.pending === 0)
  }

  /**
   * One bounded pass for hosts that cannot hold a connection or block on it (workerd's `scheduled` and
   * alarms, REST buses): own pending entries, idle entries of others (as often as a running group
   * claims them), then new entries without blocking, until a read comes back short (the streams' end
   * as of then) or `budgetMs` is spent. The
   * group is prepared at its first pass, as a running group is at its start, and again after a pass
   * that failed or found the group gone (Redis flushed or restarted empty).
   * @returns how many entries were acknowledged.
   */
  async poll(budgetMs: number): Promise<number> {
    const deadline = performance.now() + budgetMs
    for (let attempt = 1; ; attempt++) {
      if (!this.prepared) {
        if (!(await this.prepare())) return 0
        this.prepared = true
      }
      try {
        return await this.pollPrepared(deadline)
      } catch (error) {
        this.prepared = false
        if (attempt > 1 || !/NOGROUP/.test(String(error))) throw error
        this.options.logger.warn({ group: this.options.group }, 'consumer group missing; recreating it')
      }
    }
  }

  private async pollPrepared(deadline: number): Promise<number> {
    let acknowledged = await this.drainOwnPending()
    if (performance.now() >= this.nextClaimAt) acknowledged += await this.claimIdle()
    while (performance.now() < deadline) {
      const read = await this.read('>')
      for (const { stream, entries } of read)
        acknowledged += await this.process(stream, entries, { firstDelivery: true })
      // A short read reached the end of every stream: what was appended since waits for the next poll
      // and comes in one batch then, instead of being chased here a few entries, and a batch, at a time.
      if (read.every((batch) => batch.entries.length < this.batchSize)) break
    }
    return acknowledged
  }

  /**
   * Fetches the recorded gaps from the producers' outboxes.
   * @returns how many were filled and how many remain (their producer unreachable from here).
   */
  fillGaps(): Promise<{ filled: number; remaining: number }> {
    return this.gaps.fill()
  }

  /**
   * Applies the producers' whole history from their outboxes, skipping what is applied: a group added
   * later starts from the beginning.
   * @returns the streams whose producer could not be reached, or whose history stopped at an event that fails.
   */
  async replayHistory(): Promise<string[]> {
    const incomplete: string[] = []
    for (const stream of this.options.streams)
      if ((await this.gaps.fetch(stream, 1, Number.MAX_SAFE_INTEGER)) !== Number.MAX_SAFE_INTEGER + 1)
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
    this.inbox.forget()
    return this.replayHistory()
  }

  /**
   * Gaps come from the database; dead letters and how the group stands on each stream (`streams`:
   * lag, pending, consumers) from Redis through `bus`, when given (Redis answers).
   */
  async health(bus?: Bus): Promise<GroupHealth> {
    const { group, streams } = this.options
    const gaps = await this.gaps.list()
    // A group built only to report (workerd) has not claimed anything yet: it asks now.
    if (bus) await this.ownsGroups(bus)
    const deadLetters: Record<string, number> = {}
    for (const stream of bus ? streams : []) {
      const count = await bus!.countDeadLetters(stream)
      if (count > 0) deadLetters[stream] = count
    }
    const standing = bus ? (await bus.streamStatus(streams, group)).map(withLag) : undefined
    return {
      group,
      gaps,
      deadLetters,
      ...(standing ? { streams: standing } : {}),
      ...(this.problem ? { problem: this.problem } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    }
  }

  /** This group's dead letters on each stream it reads, oldest first (fields: error, deliveries, entryId, ...). */
  deadLetters(): Promise<{ stream: string; letter: StreamEntry }[]> {
    return deadLettersOf(this.options.bus, this.options.group, this.options.streams)
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
        const delivery = { stream, entry, event: parseEntry(entry) }
        if (!(await this.inbox.alreadyApplied([delivery])).size) await this.inbox.apply([delivery])
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
    const { bus, group, streams, logger } = this.options
    await this.inbox.load()
    if (!(await this.ownsGroups())) return false
    for (const stream of streams) {
      await bus.ensureGroup(stream, group)
      const position = this.inbox.position(stream)
      const info = (await bus.groups(stream)).find((g) => g.name === group)
      if (
        info &&
        info.lastDeliveredSeq > position &&
        (await acknowledgedPast(bus, stream, group, position, info.lastDeliveredSeq))
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
  private async ownsGroups(bus = this.options.bus): Promise<boolean> {
    const { db, group, streams, logger } = this.options
    // The database's origin never changes while it is open.
    this.origin ??= await databaseOrigin(db)
    const taken = await claimGroup(bus, group, streams, this.origin)
    this.problem = taken?.problem
    if (taken)
      logger.error(
        { group, stream: taken.stream, owner: taken.owner, origin: this.origin },
        'consumer group not started',
      )
    return !taken
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
        if (performance.now() >= this.nextClaimAt) await this.claimIdle()
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
    this.nextClaimAt = performance.now() + this.claimIdleMs / 2
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
    let last = this.inbox.position(stream)
    for (const entry of entries) {
      if (entry.trimmed) {
        await this.gaps.missing(
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
        fresh.push({ stream, entry, event: parseEntry(entry), ...(stray ? { stray: true as const } : {}) })
      } catch (error) {
        if (!stray) await this.inbox.advance(stream, [entry])
        await this.deadLetter(stream, entry, error, await this.deliveriesOf(stream, entry))
        done.push(entry.id) // acknowledged with its letter already; counted as done
        if (!stray) last = Math.max(last, seq)
        continue
      }
      if (stray) continue
      if (seq > last + 1) await this.gaps.check(stream, last + 1, seq - 1)
      last = Math.max(last, seq)
    }
    const position = this.inbox.position(stream)
    const recheck = fresh.filter((d) => !firstDelivery || seqOf(d.entry.id) <= position)
    const seen = await this.inbox.alreadyApplied(recheck)
    const unseen = fresh.filter((d) => !seen.has(d.event.id))
    const skipped = fresh.filter((d) => seen.has(d.event.id))
    if (skipped.length > 0) await this.inbox.advance(stream, positioned(skipped))
    done.push(...skipped.map((d) => d.entry.id))
    const applied = await this.inbox.applyAll(stream, unseen)
    done.push(...applied.done)
    for (const failure of applied.failed)
      if (await this.retryOrDeadLetter(failure)) done.push(failure.delivery.entry.id)
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
   * An event that failed is left pending to be delivered again, until it has been delivered
   * `maxDeliveries` times: then it goes to the dead letters.
   * @returns whether it is done with (dead-lettered and acknowledged).
   */
  private async retryOrDeadLetter({ delivery, error }: Failure): Promise<boolean> {
    const deliveries = await this.deliveriesOf(delivery.stream, delivery.entry)
    if (deliveries < this.maxDeliveries) {
      this.options.logger.warn(
        { err: error, eventId: delivery.event.id, deliveries },
        'event failed; will retry',
      )
      return false
    }
    await this.inbox.advance(delivery.stream, positioned([delivery]))
    await this.deadLetter(delivery.stream, delivery.entry, error, deliveries)
    return true
  }

  private async deliveriesOf(stream: string, entry: StreamEntry): Promise<number> {
    return this.options.bus.deliveries(stream, this.options.group, entry.id)
  }

  private deadLetter(stream: string, entry: StreamEntry, error: unknown, deliveries: number): Promise<void> {
    return sendToDeadLetters(this.options, stream, entry, error, deliveries)
  }
}
