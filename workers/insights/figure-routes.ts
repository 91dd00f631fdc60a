import { and, gte, isNotNull, lt, lte } from 'drizzle-orm'
import { Hono } from 'hono'
import type { AppEnv } from '../../shared/http/app-env.ts'
import { validate } from '../../shared/http/validate.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { addDays, dayOf, startOfDay } from '../../shared/days.ts'
import type { ApprovalFacts } from './figures.ts'
import { rangeOf, RangeQuery } from './range.ts'
import { dayByDay, summarise, type DayRange, type Facts } from './report.ts'
import { approvals, jobs } from './schema.ts'
import type { InsightsSettings } from './settings.ts'

/**
 * The manager's figures over a range of days, as a whole (`summary`) and day by day (`daily`, for
 * charts): computed when asked from the facts the consumer group keeps, so eventually consistent.
 */
export function figureRoutes({ db, clock, settings }: ServiceDeps<InsightsSettings>) {
  const timeZone = settings.WORKSHOP_TZ
  const capacity = { workstations: settings.WORKSTATIONS, workdayHours: settings.WORKDAY_HOURS }

  /** Approvals requested within the range's days and jobs planned on them. */
  async function factsOf({ from, to }: DayRange): Promise<Facts> {
    const [start, end] = [startOfDay(from, timeZone), startOfDay(addDays(to, 1), timeZone)]
    const [requested, planned] = await Promise.all([
      db
        .select({
          requestedAt: approvals.requestedAt,
          decidedAt: approvals.decidedAt,
          outcome: approvals.outcome,
          firstReadAt: approvals.firstReadAt,
        })
        .from(approvals)
        .where(
          and(
            isNotNull(approvals.requestedAt),
            gte(approvals.requestedAt, start.toISOString()),
            lt(approvals.requestedAt, end.toISOString()),
          ),
        ),
      db
        .select()
        .from(jobs)
        .where(and(gte(jobs.day, from), lte(jobs.day, to))),
    ])
    // Selected on `requestedAt` not null: an approval counts only once its request is known.
    const asked = requested.map((row): ApprovalFacts => ({ ...row, requestedAt: row.requestedAt! }))
    return { approvals: asked, jobs: planned }
  }

  const rangeAsked = (query: Parameters<typeof rangeOf>[0]) => rangeOf(query, dayOf(clock.now(), timeZone))

  return new Hono<AppEnv>()
    .get('/api/insights/summary', validate('query', RangeQuery), async (c) => {
      const range = rangeAsked(c.req.valid('query'))
      return c.json(summarise(range, await factsOf(range), capacity, timeZone))
    })
    .get('/api/insights/daily', validate('query', RangeQuery), async (c) => {
      const range = rangeAsked(c.req.valid('query'))
      return c.json(dayByDay(range, await factsOf(range), capacity, timeZone))
    })
}
