import type { AnyEvent, Envelope } from '../../shared/contracts/index.ts'
import { isUniqueViolation, type Db } from '../../shared/db/database.ts'
import type { Write } from '../../shared/db/statements.ts'
import type { Repair } from './events.ts'
import { refuse } from './rules.ts'
import { proposalIds, repairs } from './schema.ts'

/**
 * The writes that go with a repair's events, in their batch: its row in the list (from the state after
 * them: events of one repair are appended one batch at a time, so the last batch's row is the repair's),
 * and the claim of each proposal id it used.
 */
export function repairRows(db: Db): (events: Envelope[], repair: Repair) => Write[] {
  return function rowsOf(events, repair) {
    if (repair.status === 'none') return []
    const current = repair.proposals.at(-1)
    const row = {
      repairId: repair.repairId,
      jobId: repair.jobId,
      planningDate: repair.planningDate,
      customerId: repair.customerId,
      licenseNumber: repair.licenseNumber,
      status: repair.status,
      startedAt: repair.startedAt,
      expiresAt: current?.status === 'awaiting-approval' ? current.expiresAt : null,
      completedAt: repair.status === 'completed' ? repair.completedAt : null,
    }
    const { status, expiresAt, completedAt } = row
    const writes: Write[] = [
      db
        .insert(repairs)
        .values(row)
        .onConflictDoUpdate({ target: repairs.repairId, set: { status, expiresAt, completedAt } }),
    ]
    const claims = (events as AnyEvent[]).flatMap((event) =>
      event.type === 'ExtraWorkProposed'
        ? [{ proposalId: event.data.proposalId, repairId: repair.repairId }]
        : [],
    )
    if (claims.length > 0) writes.push(db.insert(proposalIds).values(claims))
    return writes
  }
}

/** The command's refusal when the database refused a claim its batch made; any other error unchanged. */
export function claimRefused(error: unknown): unknown {
  if (isUniqueViolation(error, 'repairs.job_id'))
    return refuse('one-repair-per-job', 'The job has a repair already; a job has one repair')
  if (isUniqueViolation(error, 'proposal_ids.proposal_id'))
    return refuse('proposal-id-unique', 'That proposal id is taken; a proposal id names one proposal')
  return error
}
