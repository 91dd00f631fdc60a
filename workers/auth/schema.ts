import { index, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export { kernelMeta, kernelRequests, outbox } from '../../shared/db/kernel-schema.ts'

/** The staff who sign in with a password, as `STAFF_ACCOUNTS` last listed them (kept in step at start). */
export const staffAccounts = sqliteTable('staff_accounts', {
  email: text('email').primaryKey(),
  role: text('role', { enum: ['mechanic', 'support', 'manager'] }).notNull(),
  /** `pbkdf2-sha256$<iterations>$<salt>$<hash>` (see passwords.ts). */
  passwordHash: text('password_hash').notNull(),
  updatedAt: text('updated_at').notNull(),
})

/**
 * Every session this service started, and when it ended early. The source of truth for revocations:
 * Redis's list of ended sessions is written again from here when it has lost some.
 */
export const sessions = sqliteTable(
  'sessions',
  {
    session: text('session').primaryKey(),
    /** `staff:<email>` or `customer:<id>`. */
    actor: text('actor').notNull(),
    role: text('role').notNull(),
    /** Unknown (null) for a session this service did not start, ended here all the same. */
    issuedAt: text('issued_at'),
    expiresAt: text('expires_at').notNull(),
    revokedAt: text('revoked_at'),
    /** Who started it: the member of staff themselves, or the one who made a customer's link. */
    issuedBy: text('issued_by'),
  },
  (t) => [index('sessions_actor').on(t.actor), index('sessions_expires_at').on(t.expiresAt)],
)

/**
 * Failed sign-ins, one row per subject (`account:<email>`, `client:<address>`) and attempt, kept for
 * the throttle's window. An attempt is written before its password is checked, so concurrent guesses
 * count too; a successful one removes its rows again.
 */
export const loginFailures = sqliteTable(
  'login_failures',
  {
    subject: text('subject').notNull(),
    attempt: text('attempt').notNull(),
    failedAt: text('failed_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.subject, t.attempt] }),
    index('login_failures_subject').on(t.subject, t.failedAt),
    index('login_failures_failed_at').on(t.failedAt),
  ],
)
