import type { Bus } from '../bus/bus.ts'
import type { Clock } from '../clock.ts'
import type { Logger } from '../logger.ts'

/** Where the sessions ended early are listed, beside the streams of the same deployment. */
export const revokedSessionsKey = (streamPrefix: string) => `${streamPrefix}.auth.revoked`

export interface RevocationListOptions {
  /** Where the list is shared: the sorted set `<key>`, each session scored by its expiry. */
  bus: Bus
  key: string
  clock: Clock
  logger: Logger
  /** How stale this process's copy may get before a request refreshes it; default 1 s. */
  refreshMs?: number
  /** How long a request waits for a refresh before it goes on with the copy as it is; default 100 ms. */
  waitMs?: number
  /**
   * Told of each refresh a request starts, which may outlast the request's wait: on workerd the
   * invocation keeps its Redis connection open until the refresh is done.
   */
  onRefresh?: (refresh: Promise<void>) => void
}

/** A refresh started this long ago and not ended is taken for lost (an invocation ended under it). */
const LOST_AFTER_MS = 10_000

/**
 * The sessions ended before their expiry, shared by every process and worker through Redis and copied
 * into each, so checking a token costs no round trip: a revocation made here counts here at once, one
 * made elsewhere within `refreshMs`. Every addition writes a new version beside the list, and a refresh
 * reads the list only when the version changed: one small read a second, however long the list. The copy only grows until entries expire, so Redis losing the set
 * (a flush) loses nothing a running process knew; the auth service writes its revocations again then.
 * While Redis is slow or unreachable the copy answers as it stands, after `waitMs` at most, and the
 * failure is logged: requests go on, rather than each waiting for Redis to time out.
 */
export class RevocationList {
  private readonly revoked = new Map<string, number>()
  /** The list's version this copy last read: a new one each time a session is added. */
  private version: string | undefined
  private readonly versionKey: string
  private refreshedAt = Number.NEGATIVE_INFINITY
  private refreshStartedAt = Number.NEGATIVE_INFINITY
  private readonly refreshMs: number
  private readonly waitMs: number

  constructor(private readonly options: RevocationListOptions) {
    this.refreshMs = options.refreshMs ?? 1_000
    this.waitMs = options.waitMs ?? 100
    this.versionKey = `${options.key}.version`
  }

  async has(session: string): Promise<boolean> {
    const now = performance.now()
    // Only the request that starts a refresh waits for it: on workerd one request may not wait on I/O
    // another request started.
    if (now - this.refreshedAt >= this.refreshMs && now - this.refreshStartedAt >= LOST_AFTER_MS) {
      this.refreshStartedAt = now
      let timer: ReturnType<typeof setTimeout> | undefined
      const patience = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.waitMs)))
      const refresh = this.refresh()
      this.options.onRefresh?.(refresh)
      await Promise.race([refresh, patience])
      clearTimeout(timer)
    }
    const until = this.revoked.get(session)
    return until !== undefined && until > this.options.clock.now().getTime()
  }

  /** Ends `session` here at once and everywhere within `refreshMs`; throws when Redis cannot be told. */
  async add(session: string, expiresAt: Date): Promise<void> {
    this.revoked.set(session, expiresAt.getTime())
    await this.options.bus.addExpiring(this.options.key, session, expiresAt.getTime())
    await this.changed()
  }

  /** Marks the list as changed, so every copy reads it again (after the change, never before it). */
  private changed(): Promise<void> {
    return this.options.bus.setValue(this.versionKey, crypto.randomUUID())
  }

  /**
   * Lists again, in Redis and here, those of `ended` (the auth service's own record of ended sessions)
   * that have not expired and that Redis no longer lists: lost in a flush, or a restart without
   * persistence. Returns how many were missing.
   */
  async restore(ended: readonly { session: string; expiresAt: Date }[]): Promise<number> {
    const now = this.options.clock.now().getTime()
    const listed = new Set(
      (await this.options.bus.unexpired(this.options.key, now)).map(([session]) => session),
    )
    const missing = ended.filter(
      ({ session, expiresAt }) => expiresAt.getTime() > now && !listed.has(session),
    )
    for (const { session, expiresAt } of missing) this.revoked.set(session, expiresAt.getTime())
    await Promise.all(
      missing.map(({ session, expiresAt }) =>
        this.options.bus.addExpiring(this.options.key, session, expiresAt.getTime()),
      ),
    )
    if (missing.length > 0) await this.changed()
    return missing.length
  }

  /**
   * Reads the list again when it changed since the last read (one small read when it did not, however
   * long the list), and forgets what has expired.
   */
  private async refresh(): Promise<void> {
    const now = this.options.clock.now().getTime()
    try {
      // Read before the list: a change in between marks it changed again, for the next refresh.
      const version = await this.options.bus.getValue(this.versionKey)
      if (version === undefined || version !== this.version) {
        for (const [session, until] of await this.options.bus.unexpired(this.options.key, now))
          this.revoked.set(session, until)
        this.version = version
      }
      for (const [session, until] of this.revoked) if (until <= now) this.revoked.delete(session)
    } catch (error) {
      this.options.logger.error(
        { err: error },
        'cannot read the revoked sessions from Redis; sessions ended elsewhere still pass here',
      )
    } finally {
      this.refreshedAt = performance.now()
      this.refreshStartedAt = Number.NEGATIVE_INFINITY
    }
  }
}
