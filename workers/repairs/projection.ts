import { sql } from 'drizzle-orm'
import type { AnyEvent } from '../../shared/contracts/index.ts'
import type { Db } from '../../shared/db/database.ts'
import type { Write } from '../../shared/db/statements.ts'
import { jobs } from './schema.ts'

type JobRow = typeof jobs.$inferInsert

/**
 * The jobs repairs are started on, from the workshop's stream. Each event upserts only the columns it
 * owns, so the row is the same whatever order several consumers apply a plan and its finish in.
 */
export function jobsProjection(db: Db) {
  const upsert = (row: JobRow, columns: (keyof JobRow)[]) =>
    db
      .insert(jobs)
      .values(row)
      .onConflictDoUpdate({
        target: jobs.jobId,
        set: Object.fromEntries(columns.map((c) => [c, sql`excluded.${sql.identifier(jobs[c].name)}`])),
      })

  return function project(event: AnyEvent): Write[] {
    switch (event.type) {
      case 'MaintenanceJobPlanned': {
        const { jobId, planningId, customer, vehicle } = event.data
        const row = {
          jobId,
          planningDate: planningId,
          customerId: customer.customerId,
          licenseNumber: vehicle.licenseNumber,
        }
        return [upsert(row, ['planningDate', 'customerId', 'licenseNumber'])]
      }
      case 'MaintenanceJobFinished': {
        const { jobId, planningId } = event.data
        return [upsert({ jobId, planningDate: planningId, finished: true }, ['finished'])]
      }
      default:
        return []
    }
  }
}
