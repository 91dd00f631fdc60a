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
  /** Where the stream ended after this relay's last pass; kicked passes go on from there. */
  private published: number | undefined
  /** Whether the next pass asks Redis where the stream ends (backstop and flush do, to notice a lost stream). */
  private recheck = true
  private readonly batchSize: number
  private readonly pendingRows

  constructor(private readonly options: RelayOptions) {
    this.batchSize = options.batchSize ?? 500
    this.pendingRows = options.db
      .select({ seq: outbox.seq, type: outbox.type, envelope: outbox.envelope })
      .from(outbox)
      .where(gt(outbox.seq, sql.placeholder('after')))
      .orderBy(asc(outbox.seq))
      .limit(this.batchSize)
      .prepare()
  }

  start(): void {
    this.timer ??= setInterval(() => this.recheckAndKick(), this.options.intervalMs ?? 1000)
    this.recheckAndKick()
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
    this.recheckAndKick()
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

  private recheckAndKick(): void {
    this.recheck = true
    this.kick()
  }

  private async passes(): Promise<void> {
    try {
      do {
        this.again = false
        try {
          await this.publishPending()
        } catch (error) {
          this.recheck = true
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
    const { bus, stream } = this.options
    let published = this.published
    if (published === undefined || this.recheck) {
      this.recheck = false
      published = await bus.lastSeq(stream)
    }
    for (;;) {
      const rows = await this.pendingRows.all({ after: published })
      if (rows.length === 0) break
      // Appends only if the stream still ends at `published`, so a stale position is corrected here.
      const result = await bus.appendAfter(stream, published, rows)
      if (result.ok) {
        published = rows.at(-1)!.seq
        // A short page was the end of the outbox; commits after it kick another pass.
        if (rows.length < this.batchSize) break
      } else {
        if (result.lastSeq < published)
          this.options.logger.warn(
            { stream, from: result.lastSeq },
            'stream lost entries; republishing from the outbox',
          )
        published = result.lastSeq
      }
    }
    this.published = published
  }
}
