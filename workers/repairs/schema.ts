import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export {
  consumerGaps,
  consumerPositions,
  events,
  inbox,
  kernelMeta,
  kernelRequests,
  outbox,
  snapshots,
} from '../../shared/db/kernel-schema.ts'

/**
 * The jobs planned in the workshop, as its stream tells: a repair is started on one of them. Planned and
 * finished columns are written by different events that several consumers may apply in either order, so
 * each event upserts only its own columns.
 */
export const jobs = sqliteTable('jobs', {
  jobId: text('job_id').primaryKey(),
  planningDate: text('planning_date').notNull(),
  customerId: text('customer_id'),
  licenseNumber: text('license_number'),
  finished: integer('finished', { mode: 'boolean' }).notNull().default(false),
})

/**
 * Every repair as lists show it, written from the repair's state in the batch of its events. The unique
 * job id refuses a second repair of a job atomically; `expires_at` (while awaiting approval) is what the
 * expiry finds due.
 */
export const repairs = sqliteTable(
  'repairs',
  {
    repairId: text('repair_id').primaryKey(),
    jobId: text('job_id').notNull().unique(),
    planningDate: text('planning_date').notNull(),
    customerId: text('customer_id').notNull(),
    licenseNumber: text('license_number').notNull(),
    status: text('status').notNull(),
    startedAt: text('started_at').notNull(),
    expiresAt: text('expires_at'),
    completedAt: text('completed_at'),
  },
  (t) => [
    index('repairs_status_expires').on(t.status, t.expiresAt),
    index('repairs_started').on(t.startedAt),
  ],
)

/**
 * Every proposal id ever used, with its repair. The parts service names its reservation after the
 * proposal, so an id must name one proposal across all repairs: a proposal claims it in the batch of its
 * event, and the primary key refuses a second claim.
 */
export const proposalIds = sqliteTable('proposal_ids', {
  proposalId: text('proposal_id').primaryKey(),
  repairId: text('repair_id').notNull(),
})
