import { and, eq, lte, min } from 'drizzle-orm'
import type { ServiceDeps } from '../../shared/service.ts'
import type { ExecuteRepairCommand } from './repair-commands.ts'
import { repairs } from './schema.ts'
import type { RepairsSettings } from './settings.ts'

/**
 * The service's tick: every approval whose time ran out by the clock is recorded as expired, then the
 * time the next one runs out is when the host ticks again. Several hosts may tick at once: the expected
 * version lets one of them record an expiry, and the others decide nothing.
 */
export function approvalExpiry(
  { db, clock, newId }: ServiceDeps<RepairsSettings>,
  execute: ExecuteRepairCommand,
) {
  const awaiting = eq(repairs.status, 'awaiting-approval')

  return async function expireApprovals(): Promise<Date | void> {
    const now = clock.now().toISOString()
    const due = await db
      .select({ repairId: repairs.repairId })
      .from(repairs)
      .where(and(awaiting, lte(repairs.expiresAt, now)))
    for (const { repairId } of due) {
      const id = newId()
      await execute(
        { type: 'ExpireApproval', data: { repairId, now } },
        { correlationId: id, causationId: id, actor: 'repairs' },
      )
    }
    const [next] = await db
      .select({ at: min(repairs.expiresAt) })
      .from(repairs)
      .where(awaiting)
    return next?.at ? new Date(next.at) : undefined
  }
}
