import { sql, type AnyColumn } from 'drizzle-orm'
import type { EventHandler } from '../../shared/consumer/consumer-group.ts'
import type { Db } from '../../shared/db/database.ts'
import type { Write } from '../../shared/db/statements.ts'
import { factOf, type Fact } from './facts.ts'
import { approvals, jobs } from './schema.ts'

/** The consumer group of insights: it reads workshop, repairs and notifications. */
export const INSIGHTS_GROUP = 'insights'

/** The earlier of the stored time and the incoming one (SQLite's `min()` is null if either is). */
const earliest = (column: AnyColumn) =>
  sql`coalesce(min(${column}, excluded.${sql.identifier(column.name)}), ${column}, excluded.${sql.identifier(column.name)})`
/** The stored value when there is one, else the incoming one. */
const kept = (column: AnyColumn) => sql`coalesce(${column}, excluded.${sql.identifier(column.name)})`

/**
 * Records what each event says about an approval or a job. Every write is an upsert that gives the
 * same row whatever order the events come in and however often: times keep the earliest, a field
 * nobody set yet takes the first value brought. So a read before its request, an answer before its
 * request, a finish before its plan, a redelivery or a read model rebuilt from history all end in the
 * same facts.
 */
export function insightsConsumer(db: Db): EventHandler {
  function write(fact: Fact): Write {
    switch (fact.kind) {
      case 'approval-requested':
        return db
          .insert(approvals)
          .values({ proposalId: fact.proposalId, repairId: fact.repairId, requestedAt: fact.at })
          .onConflictDoUpdate({
            target: approvals.proposalId,
            set: { repairId: kept(approvals.repairId), requestedAt: earliest(approvals.requestedAt) },
          })
      case 'approval-decided':
        // A proposal is answered once; were it ever twice, the earliest answer stands, in any order.
        return db
          .insert(approvals)
          .values({
            proposalId: fact.proposalId,
            repairId: fact.repairId,
            decidedAt: fact.at,
            outcome: fact.outcome,
          })
          .onConflictDoUpdate({
            target: approvals.proposalId,
            set: {
              repairId: kept(approvals.repairId),
              // Both read the row as it was before this update: the outcome compares the old time.
              outcome: sql`case when ${approvals.decidedAt} is null or excluded.decided_at < ${approvals.decidedAt} or (excluded.decided_at = ${approvals.decidedAt} and excluded.outcome < ${approvals.outcome}) then excluded.outcome else ${approvals.outcome} end`,
              decidedAt: earliest(approvals.decidedAt),
            },
          })
      case 'approval-read':
        return db
          .insert(approvals)
          .values({ proposalId: fact.proposalId, repairId: fact.repairId, firstReadAt: fact.at })
          .onConflictDoUpdate({
            target: approvals.proposalId,
            set: { repairId: kept(approvals.repairId), firstReadAt: earliest(approvals.firstReadAt) },
          })
      case 'job-planned':
      case 'job-finished': {
        // Each is recorded once by the workshop (a job id is unique, a finish final): the same values
        // again change nothing.
        const slot =
          fact.kind === 'job-planned'
            ? { plannedStart: fact.start, plannedEnd: fact.end }
            : { actualStart: fact.start, actualEnd: fact.end }
        return db
          .insert(jobs)
          .values({ jobId: fact.jobId, day: fact.day, ...slot })
          .onConflictDoUpdate({ target: jobs.jobId, set: slot })
      }
    }
  }

  return async function handle(envelope) {
    const fact = factOf(envelope)
    return fact ? [write(fact)] : []
  }
}
