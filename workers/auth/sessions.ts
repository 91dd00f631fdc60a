import { and, eq, gt, isNotNull, isNull } from 'drizzle-orm'
import { actorOf, type Identity, type Principal } from '../../shared/auth/principal.ts'
import type { EventMetadata, SessionEnded } from '../../shared/contracts/index.ts'
import type { Write } from '../../shared/db/statements.ts'
import { toEnvelopes } from '../../shared/envelope.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { sessions } from './schema.ts'

type EndReason = SessionEnded['data']['reason']

/**
 * The sessions this service starts and ends, recorded in its database with their events before any
 * answer says so; the kernel's `Tokens` signs and revokes them.
 */
export function sessionBook({ db, outbox, clock, newId, tokens, logger }: ServiceDeps) {
  const unexpired = () => gt(sessions.expiresAt, clock.now().toISOString())

  /** Ends one session: recorded with `SessionEnded` first, then revoked everywhere. */
  async function end(principal: Principal, reason: EndReason, metadata: EventMetadata): Promise<void> {
    const now = clock.now().toISOString()
    const [recorded] = await db.select().from(sessions).where(eq(sessions.session, principal.session))
    if (!recorded?.revokedAt) {
      const actor = actorOf(principal)
      const ended = toEnvelopes(
        [{ type: 'SessionEnded', data: { session: principal.session, actor, reason } }],
        {
          stream: principal.session,
          after: recorded ? 1 : 0,
          metadata,
          clock,
          newId,
        },
      )
      await outbox.commit(
        [
          db
            .insert(sessions)
            .values({
              session: principal.session,
              actor,
              role: principal.role,
              expiresAt: principal.expiresAt.toISOString(),
              revokedAt: now,
            })
            .onConflictDoUpdate({ target: sessions.session, set: { revokedAt: now } }),
        ],
        ended,
      )
    }
    await tokens.revoke(principal)
  }

  return {
    /**
     * Signs a token for `who` and records the session with `SessionStarted`, together with `writes` (a
     * re-hashed password, the throttle's rows), in one commit.
     */
    async start(
      who: Identity,
      lifetimeMs: number,
      { issuedBy, metadata, writes = [] }: { issuedBy: string; metadata: EventMetadata; writes?: Write[] },
    ): Promise<{ token: string; principal: Principal }> {
      const session = newId()
      const issued = await tokens.issue(who, lifetimeMs, session)
      const { principal } = issued
      const actor = actorOf(principal)
      const expiresAt = principal.expiresAt.toISOString()
      const started = toEnvelopes(
        [{ type: 'SessionStarted', data: { session, actor, role: principal.role, expiresAt } }],
        { stream: session, after: 0, metadata, clock, newId },
      )
      const row = {
        session,
        actor,
        role: principal.role,
        issuedAt: clock.now().toISOString(),
        expiresAt,
        issuedBy,
      }
      await outbox.commit([...writes, db.insert(sessions).values(row)], started)
      return issued
    },

    end,

    /**
     * Ends every open session of someone: a member of staff whose account was removed or changed, a
     * customer whose links staff end.
     */
    async endSessionsOf(who: Identity, reason: EndReason, metadata: EventMetadata): Promise<number> {
      const open = await db
        .select()
        .from(sessions)
        .where(and(eq(sessions.actor, actorOf(who)), isNull(sessions.revokedAt), unexpired()))
      for (const row of open)
        await end({ ...who, session: row.session, expiresAt: new Date(row.expiresAt) }, reason, metadata)
      return open.length
    },

    /**
     * Writes the ended, unexpired sessions into Redis's list again where it has lost them (a flush, a
     * restart without persistence): this database is the record, Redis the copy every process reads.
     */
    async restoreRevocations(): Promise<number> {
      const ended = await db
        .select({ session: sessions.session, expiresAt: sessions.expiresAt })
        .from(sessions)
        .where(and(isNotNull(sessions.revokedAt), unexpired()))
      const restored = await tokens.restoreRevocations(
        ended.map(({ session, expiresAt }) => ({ session, expiresAt: new Date(expiresAt) })),
      )
      if (restored > 0)
        logger.warn({ restored }, 'Redis had lost ended sessions; listed them again from the auth database')
      return restored
    },
  }
}
export type SessionBook = ReturnType<typeof sessionBook>
