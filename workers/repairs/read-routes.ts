import { and, asc, eq } from 'drizzle-orm'
import { Hono } from 'hono'
import * as v from 'valibot'
import { customerScope, ownedItem } from '../../shared/auth/access.ts'
import { JobId, type Envelope } from '../../shared/contracts/index.ts'
import type { Db } from '../../shared/db/database.ts'
import type { AppEnv } from '../../shared/http/app-env.ts'
import { Pagination } from '../../shared/http/pagination.ts'
import { validate } from '../../shared/http/validate.ts'
import { evolve, initialState, repairStatuses, type RepairEvent } from './events.ts'
import { RepairParam } from './repair-routes.ts'
import { events, repairs } from './schema.ts'
import { repairView, timelineEntry } from './views.ts'

const RepairsQuery = v.object({
  status: v.optional(v.picklist(repairStatuses, `must be one of ${repairStatuses.join(', ')}`)),
  jobId: v.optional(JobId),
  ...Pagination.entries,
})

/**
 * The list of repairs (its rows, written with their events) and one repair with its timeline and the
 * hourly rate a proposal made now is priced at (`hourlyRate`, so a form can show the running price).
 */
export function readRoutes(db: Db, hourlyRate: string) {
  return new Hono<AppEnv>()
    .get('/api/repairs', validate('query', RepairsQuery), async (c) => {
      const { status, jobId, limit, offset } = c.req.valid('query')
      return c.json(
        await db
          .select()
          .from(repairs)
          .where(
            and(
              status === undefined ? undefined : eq(repairs.status, status),
              jobId === undefined ? undefined : eq(repairs.jobId, jobId),
            ),
          )
          .orderBy(asc(repairs.startedAt), asc(repairs.repairId))
          .limit(limit)
          .offset(offset),
      )
    })
    .get('/api/repairs/:repairId', validate('param', RepairParam), async (c) => {
      const { repairId } = c.req.valid('param')
      // One read gives the state and the timeline alike.
      const rows = await db
        .select({ envelope: events.envelope })
        .from(events)
        .where(eq(events.streamId, repairId))
        .orderBy(asc(events.position))
      const timeline = rows.map((row) => JSON.parse(row.envelope) as Envelope)
      const repair = timeline.reduce((state, event) => evolve(state, event as RepairEvent), initialState())
      const found = ownedItem(
        c,
        repair.status === 'none' ? undefined : repair,
        (r) => r.customerId,
        `No repair ${repairId}`,
      )
      const forCustomer = customerScope(c) !== undefined
      return c.json({
        ...repairView(found),
        hourlyRate,
        timeline: timeline.map((event) => timelineEntry(event, forCustomer)),
      })
    })
}
