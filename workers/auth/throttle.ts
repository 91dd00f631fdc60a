import { eq, or, sql } from 'drizzle-orm'
import type { Db } from '../../shared/db/database.ts'
import type { Write } from '../../shared/db/statements.ts'
import { loginFailures } from './schema.ts'

export interface ThrottleLimits {
  /** Failures one account may have within the window; the next attempt is refused. */
  perAccount: number
  /** Failures one client address may have within the window, whatever the accounts. */
  perClient: number
  windowMs: number
}

/** An attempt to sign in, before its password is checked. */
export interface Attempt {
  id: string
  email: string
  /** See `clientKey`. */
  client: string
  now: Date
}

export type Admission = { admitted: true } | { admitted: false; retryAfterSeconds: number }

const accountOf = (email: string) => `account:${email}`
const clientOf = (client: string) => `client:${client}`

/**
 * Repeated failed sign-ins, throttled per account and per client address, in the service's own database:
 * so the count survives restarts and every process running the service shares it.
 */
export function loginThrottle(db: Db, limits: ThrottleLimits) {
  /** When the subject's window frees: once its `limit`-th most recent failure in the window leaves it. */
  async function freesAt(subject: string, limit: number, since: string): Promise<number | undefined> {
    const [row] = await db
      .select({ failedAt: loginFailures.failedAt })
      .from(loginFailures)
      .where(sql`${loginFailures.subject} = ${subject} and ${loginFailures.failedAt} > ${since}`)
      .orderBy(sql`${loginFailures.failedAt} desc`)
      .limit(1)
      .offset(limit - 1)
    return row ? Date.parse(row.failedAt) + limits.windowMs : undefined
  }

  return {
    /**
     * Counts the attempt as a failure before its password is checked, unless its account or its client
     * is at its limit already: then it is refused, with the seconds until the window frees. One statement
     * counts and writes, so concurrent guesses cannot all slip in under the limit.
     */
    async admit({ id, email, client, now }: Attempt): Promise<Admission> {
      const since = new Date(now.getTime() - limits.windowMs).toISOString()
      const at = now.toISOString()
      const [account, address] = [accountOf(email), clientOf(client)]
      const countOf = (subject: string) =>
        sql`(select count(*) from ${loginFailures} where ${loginFailures.subject} = ${subject} and ${loginFailures.failedAt} > ${since})`
      const [, inserted] = await db.batch([
        db.delete(loginFailures).where(sql`${loginFailures.failedAt} <= ${since}`),
        db.run(sql`insert into ${loginFailures} (subject, attempt, failed_at)
          select subject, ${id}, ${at} from (select ${account} as subject union all select ${address})
          where ${countOf(account)} < ${limits.perAccount} and ${countOf(address)} < ${limits.perClient}`),
      ])
      if (inserted.rowsAffected > 0) return { admitted: true }
      const frees = [
        await freesAt(account, limits.perAccount, since),
        await freesAt(address, limits.perClient, since),
      ].filter((t) => t !== undefined)
      const retryAfterMs = Math.max(0, ...frees.map((t) => t - now.getTime()))
      return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) }
    },

    /** What a successful attempt writes with its session: no failure of its own, and none left for the account. */
    forgive({ id, email }: Pick<Attempt, 'id' | 'email'>): Write {
      return db
        .delete(loginFailures)
        .where(or(eq(loginFailures.attempt, id), eq(loginFailures.subject, accountOf(email))))
    },
  }
}
export type LoginThrottle = ReturnType<typeof loginThrottle>
