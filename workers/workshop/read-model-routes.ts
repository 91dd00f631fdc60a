import { and, asc, desc, eq, gte, isNotNull, lte, sql } from 'drizzle-orm'
import { Hono } from 'hono'
import * as v from 'valibot'
import { customerScope } from '../../shared/auth/access.ts'
import { CustomerId, LicenseNumber, PlanningDate } from '../../shared/contracts/index.ts'
import type { Db } from '../../shared/db/database.ts'
import { NotFound } from '../../shared/errors.ts'
import type { AppEnv } from '../../shared/http/app-env.ts'
import { Pagination } from '../../shared/http/pagination.ts'
import { validate } from '../../shared/http/validate.ts'
import { WORKSHOP_GROUP } from './projection.ts'
import { inbox, jobs, refCustomers, refVehicles } from './schema.ts'

const MAX_RANGE_DAYS = 92
const daysBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 86_400_000

/** A range of days, `from` to `to` inclusive, of at most a quarter: an overview, not an export. */
const JobsQuery = v.pipe(
  v.object({ from: PlanningDate, to: PlanningDate }),
  v.forward(
    v.check(({ from, to }) => from <= to, 'must not be before from'),
    ['to'],
  ),
  v.forward(
    v.check(
      ({ from, to }) => daysBetween(from, to) < MAX_RANGE_DAYS,
      `must be less than ${MAX_RANGE_DAYS} days after from`,
    ),
    ['to'],
  ),
)

/**
 * What the workshop's consumer group keeps (eventually consistent): jobs over a range of days, the
 * customers and vehicles copied from their streams (readable while those services are down), and the
 * event log.
 */
export function readModelRoutes(db: Db) {
  const refCustomer = db
    .select()
    .from(refCustomers)
    .where(eq(refCustomers.customerId, sql.placeholder('customerId')))
    .prepare()
  const refVehicle = db
    .select()
    .from(refVehicles)
    .where(eq(refVehicles.licenseNumber, sql.placeholder('licenseNumber')))
    .prepare()

  return new Hono<AppEnv>()
    .get('/api/workshop/jobs', validate('query', JobsQuery), async (c) => {
      const { from, to } = c.req.valid('query')
      const customer = customerScope(c)
      return c.json(
        await db
          .select()
          .from(jobs)
          .where(
            and(
              gte(jobs.date, from),
              lte(jobs.date, to),
              isNotNull(jobs.startTime),
              customer === undefined ? undefined : eq(jobs.customerId, customer),
            ),
          )
          .orderBy(asc(jobs.date), asc(jobs.startTime)),
      )
    })
    .get('/api/workshop/refdata/customers', validate('query', Pagination), async (c) => {
      const { limit, offset } = c.req.valid('query')
      return c.json(
        await db.select().from(refCustomers).orderBy(refCustomers.name).limit(limit).offset(offset),
      )
    })
    .get(
      '/api/workshop/refdata/customers/:customerId',
      validate('param', v.object({ customerId: CustomerId })),
      async (c) => {
        const { customerId } = c.req.valid('param')
        const [customer] = await refCustomer.all({ customerId })
        if (!customer) throw new NotFound(`Customer ${customerId} is not known to the workshop`)
        return c.json(customer)
      },
    )
    .get('/api/workshop/refdata/vehicles', validate('query', Pagination), async (c) => {
      const { limit, offset } = c.req.valid('query')
      return c.json(
        await db.select().from(refVehicles).orderBy(refVehicles.licenseNumber).limit(limit).offset(offset),
      )
    })
    .get(
      '/api/workshop/refdata/vehicles/:licenseNumber',
      validate('param', v.object({ licenseNumber: LicenseNumber })),
      async (c) => {
        const { licenseNumber } = c.req.valid('param')
        const [vehicle] = await refVehicle.all({ licenseNumber })
        if (!vehicle) throw new NotFound(`Vehicle ${licenseNumber} is not known to the workshop`)
        return c.json(vehicle)
      },
    )
    .get('/api/workshop/events', validate('query', Pagination), async (c) => {
      const { limit, offset } = c.req.valid('query')
      const rows = await db
        .select()
        .from(inbox)
        .where(eq(inbox.consumerGroup, WORKSHOP_GROUP))
        .orderBy(desc(inbox.seq))
        .limit(limit)
        .offset(offset)
      return c.json(
        rows.map((r) => ({
          ...JSON.parse(r.envelope),
          source: r.sourceStream,
          entryId: r.entryId,
          appliedAt: r.appliedAt,
        })),
      )
    })
}
