import type { AnyEvent, Envelope } from '../../shared/contracts/index.ts'
import { isUniqueViolation, type Db } from '../../shared/db/database.ts'
import { compileInsert, placeholders, type Write } from '../../shared/db/statements.ts'
import { jobIds } from './schema.ts'
import { refuse } from './rules.ts'

/**
 * A job id is unique across all plannings, not only within one day (repairs refer to a job by its id
 * alone). A planning cannot see the others, so every planned job claims its id in `job_ids`, in the
 * batch that appends its event: the primary key refuses a second claim atomically, and the command
 * with it.
 */
export function jobIdClaims(db: Db): (events: Envelope[]) => Write[] {
  const insertClaims = compileInsert<typeof jobIds.$inferInsert>(
    db.insert(jobIds).values(placeholders(jobIds)),
  )
  return function claimJobIds(events) {
    const claims = (events as AnyEvent[]).flatMap((event) =>
      event.type === 'MaintenanceJobPlanned'
        ? [{ jobId: event.data.jobId, date: event.data.planningId }]
        : [],
    )
    return claims.length === 0 ? [] : [insertClaims(claims)]
  }
}

/** The command's refusal when the database refused its claim on `jobId`; any other error unchanged. */
export function jobIdTaken(error: unknown, jobId: string): unknown {
  return isUniqueViolation(error, 'job_ids.job_id')
    ? refuse('job-id-unique', `Job ${jobId} already exists`)
    : error
}
