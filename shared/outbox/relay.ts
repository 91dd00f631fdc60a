import { asc, eq, gt, inArray, sql } from 'drizzle-orm'
import { setTimeout as sleep } from 'node:timers/promises'
import { seqOf, type Bus, type StreamEntry } from '../bus/bus.ts'
import type { Db } from '../db/database.ts'
import { kernelMeta, outbox } from '../db/kernel-schema.ts'
import { databaseOrigin } from '../db/origin.ts'
import { commitWrites } from '../db/statements.ts'
import type { Logger } from '../logger.ts'
import { settlesWithin } from '../settles-within.ts'

export interface RelayOptions {
  db: Db
  bus: Bus
  stream: string
  logger: Logger
  batchSize?: number
  /** Backstop: how often the relay runs without being kicked (notices a lost stream, trims). */
  intervalMs?: number
  /** Entries kept in the stream beyond those some group has not acknowledged (`STREAM_KEEP`). */
  keep?: number
  /**
   * How long a kicked pass waits before it reads the outbox (and again before each further read), so
   * that the commits of that while go out in one read and one append. 0 (the default) publishes at
   * once; where consumers poll anyway (workerd), a few milliseconds cost nothing and save a database
   * request per commit under load.
   */
  gatherMs?: number
}

/** Why the relay does not publish: the stream holds entries this database did not write. */
export interface RelayProblem {
  problem: 'foreign-entry' | 'another-deployment'
  detail: string
}

export interface RelayHealth {
  /** Events committed but not yet in the stream. */
  unpublishedEvents: number
  problem?: RelayProblem
  /** Why the last pass failed, until one succeeds. */
  lastError?: string
}

/**
 * Tails the outbox into the service's stream in commit order. The stream entry id is the outbox seq,
 * so the stream itself says how far publishing got, and every entry carries the database's origin, so
 * the relay can tell where that came from:
 * - the stream ends before the outbox (Redis lost entries): publish again, the last `keep` events at
 *   most; consumers further behind fetch the rest from the outbox;
 * - it ends in an entry of this database that the outbox no longer holds (the database was restored
 *   from a backup, or lost its last commits): the rows committed since are renumbered after the
 *   stream's end and published;
 * - it ends in an entry of another database, or of no database: nothing is published, loudly, until
 *   an operator removes the stream.
 * On each backstop pass the relay also trims what every group has acknowledged, beyond `keep`.
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
  /** Whether the next pass checks where and in what the stream ends (backstop and failures do). */
  private recheck = true
  /** The stream end last recorded in the database, so a restarted relay can tell lost entries from unpublished ones. */
  private recorded: number | undefined
  /** Whether the next pass trims the stream (the backstop's passes do; those after a commit need not). */
  private trimDue = false
  private origin: string | undefined
  private problem: RelayProblem | undefined
  private lastError: string | undefined
  private readonly batchSize: number
  private readonly keep: number
  private readonly pendingRows

  constructor(private readonly options: RelayOptions) {
    this.batchSize = options.batchSize ?? 500
    this.keep = options.keep ?? 1000
    this.pendingRows = options.db
      .select({ seq: outbox.seq, type: outbox.type, envelope: outbox.envelope })
      .from(outbox)
      .where(gt(outbox.seq, sql.placeholder('after')))
      .orderBy(asc(outbox.seq))
      .limit(this.batchSize)
      .prepare()
  }

  start(): void {
    const backstop = () => {
      this.trimDue = true
      this.recheckAndKick()
    }
    this.timer ??= setInterval(backstop, this.options.intervalMs ?? 1000)
    backstop()
  }

  /**
   * Publishes whatever is committed; calls arriving during a pass coalesce into one more pass. Returns
   * the pass it started, or nothing when it only asked the running pass to go on.
   */
  kick(): Promise<void> | undefined {
    if (this.running) {
      this.again = true
      return undefined
    }
    this.running = this.passes()
    return this.running
  }

  /** Resolves when everything committed before the call has been published (or publishing failed). */
  async flush(): Promise<void> {
    while (this.running) await this.running
    this.recheckAndKick()
    await this.running
  }

  /**
   * Stops the backstop and publishes what is committed, for 2 s at most: what is left (Redis does not
   * answer) stays in the outbox for the next start.
   */
  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    if (!(await settlesWithin(this.flush(), 2_000)))
      this.options.logger.warn(
        { stream: this.options.stream },
        'stopped before publishing everything; the outbox keeps the rest',
      )
  }

  /** Events committed but not yet in the stream. */
  async lag(): Promise<number> {
    const top = await this.outboxEnd()
    // A stream ending in another's entry says nothing of ours: count from what this relay published.
    const published = this.problem
      ? (this.published ?? 0)
      : await this.options.bus.lastSeq(this.options.stream)
    return Math.max(0, top - published)
  }

  async health(): Promise<RelayHealth> {
    return {
      unpublishedEvents: await this.lag(),
      ...(this.problem ? { problem: this.problem } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    }
  }

  private recheckAndKick(): void {
    this.recheck = true
    this.kick()
  }

  private async passes(): Promise<void> {
    try {
      do {
        if (this.options.gatherMs) await sleep(this.options.gatherMs)
        this.again = false
        try {
          await this.publishPending()
          this.lastError = undefined
        } catch (error) {
          this.recheck = true
          this.lastError = (error as Error).message
          this.options.logger.error(
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
    // Rows up to here are not published again (after a loss, only the last `keep` are).
    let skip = 0
    const checking = published === undefined || this.recheck
    if (checking) {
      this.recheck = false
      const located = await this.locate()
      if (!located) return
      ;({ end: published, from: skip } = located)
    }
    for (;;) {
      const rows = await this.pendingRows.all({ after: Math.max(published!, skip) })
      if (rows.length === 0) break
      // Appends only if the stream still ends at `published`, so a stale position is corrected here.
      const result = await bus.appendAfter(stream, published!, rows, await this.originOf())
      if (result.ok) {
        published = rows.at(-1)!.seq
        // A short page was the end of the outbox; commits after it kick another pass.
        if (rows.length < this.batchSize) break
      } else {
        const located = await this.locate()
        if (!located) return
        ;({ end: published, from: skip } = located)
      }
    }
    this.published = published
    if (this.trimDue) {
      this.trimDue = false
      await this.recordPublished()
      await this.trim()
    }
  }

  /**
   * Where the stream ends and from which seq publishing goes on, judged by the entry the stream ends
   * in; undefined (and a problem reported) when that entry is not this database's.
   */
  private async locate(): Promise<{ end: number; from: number } | undefined> {
    const { bus, stream, logger } = this.options
    // The first database to publish to a stream owns it; another deployment is refused even where it
    // would only add entries to an empty stream.
    const owner = await bus.claim(`${stream}.publisher`, await this.originOf())
    if (owner !== (await this.originOf())) return this.report({ origin: owner })
    const [top] = await bus.readBack(stream, 1)
    const end = top ? seqOf(top.id) : 0
    const ours = !top || (await this.isOurs(top))
    if (ours === 'foreign') return this.report({ entry: top! })
    this.resolveProblem()
    if (ours === 'unknown') {
      // Renumbered after this very end already, and nothing committed since: nothing to do.
      if ((await this.meta('rebased-after')) >= end) return { end, from: end }
      return { end: await this.rebase(end), from: end }
    }
    // How far publishing is known to have got: by this relay, or by an earlier run (recorded at backstops).
    const known = Math.max(this.published ?? 0, await this.meta('published'))
    if (end >= known) return { end, from: end }
    // The stream lost entries it had (a flush, a restart without persistence). Publishing all of
    // history again would hold up what is new behind it: the last `keep` of what it had go out again,
    // then all that is newer; consumers further behind fetch the rest from the outbox.
    const from = Math.max(end, known - this.keep)
    logger.warn({ stream, streamEnd: end, from }, 'stream lost entries; publishing again from the outbox')
    return { end, from }
  }

  /**
   * 'ours' when the entry is one this outbox wrote; 'unknown' when it carries this database's origin
   * but the outbox no longer holds it (restored, or its last commits lost); else 'foreign'.
   */
  private async isOurs(entry: StreamEntry): Promise<'ours' | 'unknown' | 'foreign'> {
    const origin = await this.originOf()
    const { origin: stamped } = entry.fields
    if (stamped !== undefined && stamped !== origin) return 'foreign'
    const [row] = await this.options.db
      .select({ eventId: outbox.eventId })
      .from(outbox)
      .where(eq(outbox.seq, seqOf(entry.id)))
    if (row && row.eventId === eventIdOf(entry)) return 'ours'
    // Entries from before origins were stamped count as ours only where the outbox agrees.
    return stamped === origin ? 'unknown' : 'foreign'
  }

  /** Stops publishing, loudly: the stream ends in `entry` this database did not write, or belongs to `origin`. */
  private report({
    entry,
    origin = entry?.fields.origin,
  }: {
    entry?: StreamEntry
    origin?: string
  }): undefined {
    const { stream, logger } = this.options
    const problem: RelayProblem =
      origin === undefined
        ? {
            problem: 'foreign-entry',
            detail: `${stream} ends in entry ${entry!.id}, which this service did not write; delete the stream (DEL ${stream}) to publish again`,
          }
        : {
            problem: 'another-deployment',
            detail: `${stream} is published to by another database (origin ${origin}): two deployments share the stream prefix; give one another STREAM_PREFIX, or, if the other is gone for good, delete its keys (${stream}, ${stream}.publisher, ${stream}.group.*)`,
          }
    if (this.problem?.detail !== problem.detail)
      logger.error({ stream, ...problem }, 'relay stopped publishing')
    this.problem = problem
    return undefined
  }

  private resolveProblem(): void {
    if (!this.problem) return
    this.options.logger.info({ stream: this.options.stream }, 'the stream is ours again; publishing')
    this.problem = undefined
  }

  /**
   * The stream ends at `streamEnd` in an entry of this database that its outbox no longer holds: the
   * database went back in time. Rows committed since the last entry both agree on are renumbered after
   * the stream's end, so they are published instead of hiding behind seqs the stream already has.
   * Consumers dedupe by event id whatever is published twice.
   */
  private async rebase(streamEnd: number): Promise<number> {
    const { db, stream, logger } = this.options
    const agreed = await this.lastAgreedSeq(streamEnd)
    const shift = streamEnd - agreed
    // Guarded by the stream end it rebased after: a second relay on this database does it only once.
    // Two steps through negative seqs, since SQLite checks the key row by row as it updates.
    const notYet = `coalesce((select cast(value as integer) from kernel_meta where key = 'rebased-after'), 0) < ?`
    await commitWrites(db, [
      { sql: `update outbox set seq = -seq where seq > ? and ${notYet}`, args: [agreed, streamEnd] },
      { sql: 'update outbox set seq = ? - seq where seq < 0', args: [shift] },
      {
        sql: `insert into sqlite_sequence (name, seq) select 'outbox', ? where not exists (select 1 from sqlite_sequence where name = 'outbox')`,
        args: [streamEnd],
      },
      { sql: `update sqlite_sequence set seq = max(seq, ?) where name = 'outbox'`, args: [streamEnd] },
      {
        sql: `insert into kernel_meta (key, value) values ('rebased-after', ?) on conflict (key) do update set value = max(cast(value as integer), cast(excluded.value as integer))`,
        args: [String(streamEnd)],
      },
    ])
    logger.warn(
      { stream, streamEnd, lastAgreed: agreed },
      'the database is behind its stream (restored from a backup?); publishing what it committed since after the stream end',
    )
    return streamEnd
  }

  /**
   * The newest seq where the stream and the outbox hold the same event. The walk back stops at the
   * stream end a backstop pass recorded in this database: up to there, both came from the same rows.
   */
  private async lastAgreedSeq(streamEnd: number): Promise<number> {
    const { bus, stream, db } = this.options
    const recorded = Math.min(await this.meta('published'), streamEnd)
    for (let before: number | undefined = streamEnd + 1; ;) {
      const page = await bus.readBack(stream, 200, before)
      if (page.length === 0) return recorded
      const rows = await db
        .select({ seq: outbox.seq, eventId: outbox.eventId })
        .from(outbox)
        .where(
          inArray(
            outbox.seq,
            page.map((e) => seqOf(e.id)),
          ),
        )
      const held = new Map(rows.map((r) => [r.seq, r.eventId]))
      for (const entry of page) {
        if (seqOf(entry.id) <= recorded) return recorded
        if (held.get(seqOf(entry.id)) === eventIdOf(entry)) return seqOf(entry.id)
      }
      before = seqOf(page.at(-1)!.id)
    }
  }

  /** Deletes what every group has acknowledged, keeping the last `keep` entries in any case. */
  /**
   * Deletes what every group has acknowledged, keeping the last `keep` entries in any case. Started
   * relays do it on each backstop pass; hosts without a timer (workerd's cron) call it.
   */
  async trim(): Promise<void> {
    const { bus, stream } = this.options
    let keepFrom = (this.published ?? 0) - this.keep + 1
    for (const group of await bus.groups(stream)) {
      const oldest = group.pending > 0 ? await bus.oldestPending(stream, group.name) : undefined
      keepFrom = Math.min(keepFrom, oldest ?? group.lastDeliveredSeq + 1)
    }
    if (keepFrom > 1) await bus.trimBefore(stream, keepFrom)
  }

  /**
   * A seq the relays of this database recorded (0 when none did): `published`, where a backstop pass
   * found the stream ending; `rebased-after`, the stream end the outbox was last renumbered after.
   */
  private async meta(key: 'published' | 'rebased-after'): Promise<number> {
    const [row] = await this.options.db.select().from(kernelMeta).where(eq(kernelMeta.key, key))
    return Number(row?.value ?? 0)
  }

  private async recordPublished(): Promise<void> {
    if (this.published === undefined || this.published === this.recorded) return
    await commitWrites(this.options.db, [
      {
        sql: `insert into kernel_meta (key, value) values ('published', ?) on conflict (key) do update set value = max(cast(value as integer), cast(excluded.value as integer))`,
        args: [String(this.published)],
      },
    ])
    this.recorded = this.published
  }

  private async outboxEnd(): Promise<number> {
    const [row] = await this.options.db
      .select({ max: sql<number>`coalesce(max(${outbox.seq}), 0)` })
      .from(outbox)
    return row?.max ?? 0
  }

  private async originOf(): Promise<string> {
    return (this.origin ??= await databaseOrigin(this.options.db))
  }
}

function eventIdOf(entry: StreamEntry): string | undefined {
  try {
    return (JSON.parse(entry.fields.event ?? '') as { id?: string }).id
  } catch {
    return undefined
  }
}
