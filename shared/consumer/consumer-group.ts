import { and, eq, sql } from 'drizzle-orm'
import * as v from 'valibot'
import type { Bus, ReadRequest, StreamBatch, StreamEntry } from '../bus/bus.ts'
import { Envelope, events as contracts } from '../contracts/index.ts'
import type { Db } from '../db/database.ts'
import { inbox } from '../db/kernel-schema.ts'
import type { Logger } from '../logger.ts'
import { commitWrites, compileInsert, placeholders, type Write } from '../db/statements.ts'

/** Turns one event into the statements that apply it; runs inside the same batch as the inbox row. */
export type EventHandler = (event: Envelope) => Write[] | Promise<Write[]>

export interface ConsumerGroupOptions {
  db: Db
  /** A bus of its own: blocking reads hold the connection. */
  bus: Bus
  group: string
  consumer: string
  streams: string[]
  handle: EventHandler
  logger: Logger
  batchSize?: number
  blockMs?: number
  /** Entries pending this long (their consumer died or failed) are claimed. */
  claimIdleMs?: number
  /** After this many deliveries a failing event goes to the dead-letter stream. */
  maxDeliveries?: number
  now?: () => Date
}

interface Delivery {
  stream: string
  entry: StreamEntry
  event: Envelope
}

class MalformedEvent extends Error {}

/**
 * Reads a set of streams as one consumer of a group and applies each event exactly once: the effect
 * and an inbox row go into one libSQL batch, the XACK follows. A redelivered event finds its inbox row
 * and is only acknowledged.
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
    await this.ensureGroups()
    await this.drainOwnPending()
    this.loop = this.run()
  }

  /** Stops reading, lets the batch in hand finish and be acknowledged, then closes the connection. */
  async stop(): Promise<void> {
    this.stopping = true
    // Closing interrupts a blocking read, and with it the acknowledgement queued before that read.
    await this.acknowledging
    if (this.reading) await this.options.bus.close()
    await this.loop
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
    await this.ensureGroups()
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

  /** This group's dead letters on each stream it reads, oldest first (fields: error, deliveries, entryId, ...). */
  async deadLetters(count = 10_000): Promise<{ stream: string; letter: StreamEntry }[]> {
    const found: { stream: string; letter: StreamEntry }[] = []
    for (const stream of this.options.streams) {
      for (const letter of await this.options.bus.readDeadLetters(stream, count))
        if (letter.fields.group === this.options.group) found.push({ stream, letter })
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
      } catch (error) {
        this.reading = false
        if (this.stopping) return
        if (String(error).includes('NOGROUP')) {
          // The stream or group vanished (Redis flushed or restarted empty): recreate and read from the start.
          this.options.logger.warn({ group: this.options.group }, 'consumer group missing; recreating it')
          await this.ensureGroups().catch(() => {})
          continue
        }
        this.options.logger.warn({ err: error, group: this.options.group }, 'consumer read failed; retrying')
        await new Promise((resolve) => setTimeout(resolve, backoffMs))
        backoffMs = Math.min(backoffMs * 2, 5_000)
      }
    }
  }

  private identity() {
    return { group: this.options.group, consumer: this.options.consumer }
  }

  private async ensureGroups(): Promise<void> {
    for (const stream of this.options.streams) await this.options.bus.ensureGroup(stream, this.options.group)
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

  private async claimIdle(): Promise<number> {
    this.nextClaimAt = Date.now() + this.claimIdleMs / 2
    let acknowledged = 0
    for (const stream of this.options.streams) {
      const { group, consumer } = this.identity()
      const entries = await this.options.bus.claimIdle(
        stream,
        group,
        consumer,
        this.claimIdleMs,
        this.batchSize,
      )
      if (entries.length > 0) acknowledged += await this.process(stream, entries)
    }
    return acknowledged
  }

  /**
   * Applies a batch and acknowledges what is done. `firstDelivery` skips looking the entries up in the
   * inbox: an entry read for the first time is there only if it was published twice, and then the
   * inbox's unique index refuses the batch and the one-by-one path recognises it. `ackInBackground`
   * sends the acknowledgement without waiting for its reply (see `readUntilStopped`).
   * @returns how many entries were acknowledged.
   */
  private async process(
    stream: string,
    entries: StreamEntry[],
    { firstDelivery = false, ackInBackground = false } = {},
  ): Promise<number> {
    const done: string[] = []
    const fresh: Delivery[] = []
    for (const entry of entries) {
      try {
        fresh.push({ stream, entry, event: this.parse(entry) })
      } catch (error) {
        await this.deadLetter(stream, entry, error, await this.deliveriesOf(stream, entry))
        done.push(entry.id)
      }
    }
    const seen = firstDelivery ? new Set<string>() : await this.alreadyApplied(fresh)
    const unseen = fresh.filter((d) => !seen.has(d.event.id))
    done.push(...fresh.filter((d) => seen.has(d.event.id)).map((d) => d.entry.id))
    try {
      await this.apply(unique(unseen))
      done.push(...unseen.map((d) => d.entry.id))
    } catch {
      // One bad event must not hold back the others: apply them one by one.
      for (const delivery of unseen) if (await this.applyOne(delivery)) done.push(delivery.entry.id)
    }
    const ack = this.options.bus.ack(stream, this.options.group, done)
    if (!ackInBackground) await ack
    else
      this.acknowledging = ack.catch((error) =>
        // The entries stay pending: they are delivered again and recognised by their inbox rows.
        this.options.logger.warn({ err: error, stream }, 'acknowledging failed'),
      )
    return done.length
  }

  private async applyOne(delivery: Delivery): Promise<boolean> {
    try {
      if (!(await this.alreadyApplied([delivery])).size) await this.apply([delivery])
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
    await commitWrites(db, [...effects, this.insertInbox(received)])
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

/** The same event twice in one read (published twice) must become one effect and one inbox row. */
function unique(deliveries: Delivery[]): Delivery[] {
  const ids = new Set<string>()
  return deliveries.filter((d) => !ids.has(d.event.id) && ids.add(d.event.id))
}
