import { asc, gt, sql } from 'drizzle-orm'
import type { Bus } from '../bus/bus.ts'
import type { Db } from '../db/database.ts'
import { outbox } from '../db/kernel-schema.ts'
import type { Logger } from '../logger.ts'

export interface RelayOptions {
  db: Db
  bus: Bus
  stream: string
  logger: Logger
  batchSize?: number
  /** Backstop: how often the relay runs without being kicked (and notices a lost stream). */
  intervalMs?: number
}

/**
 * Tails the outbox into the service's stream in commit order. The stream entry id is the outbox seq,
 * so the stream itself says how far publishing got: nothing else to store, and when Redis loses the
 * stream the relay finds it shorter than the outbox and publishes again from there.
 *
 * @example
 * const relay = new OutboxRelay({ db, bus, stream: 'pitstop.customers', logger })
 * relay.start()
 * relay.kick() // after each commit
 */
export class OutboxRelay {
  private running: Promise<void> | undefined
  private again = false
  private timer: NodeJS.Timeout | undefined
  private readonly batchSize: number

  constructor(private readonly options: RelayOptions) {
    this.batchSize = options.batchSize ?? 500
  }

  start(): void {
    this.timer ??= setInterval(() => this.kick(), this.options.intervalMs ?? 1000)
    this.kick()
  }

  /** Publishes whatever is committed; calls arriving during a pass coalesce into one more pass. */
  kick(): void {
    if (this.running) {
      this.again = true
      return
    }
    this.running = this.passes()
  }

  /** Resolves when everything committed before the call has been published (or publishing failed). */
  async flush(): Promise<void> {
    while (this.running) await this.running
    this.kick()
    await this.running
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.flush()
  }

  /** Events committed but not yet in the stream. */
  async lag(): Promise<number> {
    const [row] = await this.options.db
      .select({ max: sql<number>`coalesce(max(${outbox.seq}), 0)` })
      .from(outbox)
    return Math.max(0, (row?.max ?? 0) - (await this.options.bus.lastSeq(this.options.stream)))
  }

  private async passes(): Promise<void> {
    try {
      do {
        this.again = false
        try {
          await this.publishPending()
        } catch (error) {
          this.options.logger.warn(
            { err: error, stream: this.options.stream },
            'relay pass failed; retrying on the next tick',
          )
          return
        }
      } while (this.again)
    } finally {
      // Cleared in the same step as the last `again` check: a kick arriving after it starts a new pass.
      this.running = undefined
    }
  }

  private async publishPending(): Promise<void> {
    const { db, bus, stream } = this.options
    let published = await bus.lastSeq(stream)
    for (;;) {
      const rows = await db
        .select({ seq: outbox.seq, type: outbox.type, envelope: outbox.envelope })
        .from(outbox)
        .where(gt(outbox.seq, published))
        .orderBy(asc(outbox.seq))
        .limit(this.batchSize)
      if (rows.length === 0) return
      const result = await bus.appendAfter(stream, published, rows)
      if (result.ok) {
        published = rows.at(-1)!.seq
      } else {
        if (result.lastSeq < published)
          this.options.logger.warn(
            { stream, from: result.lastSeq },
            'stream lost entries; republishing from the outbox',
          )
        published = result.lastSeq
      }
    }
  }
}
