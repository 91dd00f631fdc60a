import { eq, inArray } from 'drizzle-orm'
import type { EventMetadata } from '../../shared/contracts/index.ts'
import { commitWrites, type Write } from '../../shared/db/statements.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { hashPassword, UnusableHash, verifyPassword } from './passwords.ts'
import { staffAccounts } from './schema.ts'
import type { SessionBook } from './sessions.ts'
import type { StaffAccount } from './staff-accounts.ts'

export type StoredAccount = typeof staffAccounts.$inferSelect

/** Whether `password` still matches the stored hash; a hash it may not verify counts as changed. */
async function unchanged(stored: StoredAccount, wanted: StaffAccount): Promise<boolean> {
  if (stored.role !== wanted.role) return false
  try {
    return (await verifyPassword(wanted.password, stored.passwordHash)).ok
  } catch (error) {
    if (error instanceof UnusableHash) return false
    throw error
  }
}

/**
 * Brings the stored accounts in step with `wanted` (`STAFF_ACCOUNTS`, or the demo accounts): new ones
 * are hashed and added, one whose role or password changed gets the new ones, one no longer wanted is
 * removed; the open sessions of the changed and removed end. An unchanged account keeps its hash, also
 * one of fewer iterations than now: that is re-hashed at its next sign-in.
 */
export async function syncStaffAccounts(
  { db, clock, newId }: Pick<ServiceDeps, 'db' | 'clock' | 'newId'>,
  { wanted, iterations, sessions }: { wanted: StaffAccount[]; iterations: number; sessions: SessionBook },
): Promise<{ added: number; changed: string[]; removed: string[] }> {
  const stored = new Map((await db.select().from(staffAccounts)).map((row) => [row.email, row]))
  const now = clock.now().toISOString()
  const writes: Write[] = []
  const changed: string[] = []
  let added = 0
  await Promise.all(
    wanted.map(async (account) => {
      const current = stored.get(account.email)
      if (current && (await unchanged(current, account))) return
      const passwordHash = await hashPassword(account.password, iterations)
      const row = { email: account.email, role: account.role, passwordHash, updatedAt: now }
      writes.push(
        db
          .insert(staffAccounts)
          .values(row)
          .onConflictDoUpdate({
            target: staffAccounts.email,
            set: { role: row.role, passwordHash, updatedAt: now },
          }),
      )
      if (current) changed.push(account.email)
      else added++
    }),
  )
  const keep = new Set(wanted.map((account) => account.email))
  const removed = [...stored.keys()].filter((email) => !keep.has(email))
  if (removed.length > 0) writes.push(db.delete(staffAccounts).where(inArray(staffAccounts.email, removed)))
  await commitWrites(db, writes)

  const metadata: EventMetadata = { correlationId: newId(), causationId: newId(), actor: 'system:auth' }
  // Both were stored before: their sessions carry the role they had then.
  const staff = (email: string) => ({ role: stored.get(email)!.role, email })
  for (const email of changed) await sessions.endSessionsOf(staff(email), 'account-changed', metadata)
  for (const email of removed) await sessions.endSessionsOf(staff(email), 'account-removed', metadata)
  return { added, changed, removed }
}

/** The stored account of `email`, if any. */
export async function findAccount(db: ServiceDeps['db'], email: string): Promise<StoredAccount | undefined> {
  return (await db.select().from(staffAccounts).where(eq(staffAccounts.email, email)))[0]
}
