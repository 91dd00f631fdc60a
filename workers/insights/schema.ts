import { index, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export {
  consumerGaps,
  consumerPositions,
  inbox,
  kernelMeta,
  kernelRequests,
  outbox,
} from '../../shared/db/kernel-schema.ts'

// Facts, not figures: each row gathers what the events of one approval or one job said, each field
// filled by whichever event brings it, so the order they arrive in does not matter. Figures are
// computed from them when asked. Times are canonical UTC text, whose order is time order.

/** One proposal put to a customer: when it was asked, answered (or ran out) and first seen. */
export const approvals = sqliteTable(
  'approvals',
  {
    proposalId: text('proposal_id').primaryKey(),
    repairId: text('repair_id'),
    /** `CustomerApprovalRequested`'s `occurredAt`; the day it falls on is the day the approval counts on. */
    requestedAt: text('requested_at'),
    /** When it was approved, rejected or expired. */
    decidedAt: text('decided_at'),
    outcome: text('outcome', { enum: ['approved', 'rejected', 'expired'] }),
    /** The earliest `NotificationRead` of its `approval-requested` notification. */
    firstReadAt: text('first_read_at'),
  },
  (t) => [index('approvals_by_request').on(t.requestedAt)],
)

/** One maintenance job: the day it is planned on, its planned slot and, once finished, the actual one. */
export const jobs = sqliteTable(
  'jobs',
  {
    jobId: text('job_id').primaryKey(),
    /** The planning's date, `YYYY-MM-DD` in `WORKSHOP_TZ`: both events name it. */
    day: text('day').notNull(),
    plannedStart: text('planned_start'),
    plannedEnd: text('planned_end'),
    actualStart: text('actual_start'),
    actualEnd: text('actual_end'),
  },
  (t) => [index('jobs_by_day').on(t.day)],
)
