import { and, asc, desc, eq, gte, isNotNull, lte, sql } from 'drizzle-orm'
import * as v from 'valibot'
import {
  CustomerId,
  FinishMaintenanceJob,
  JobId,
  LicenseNumber,
  PlanMaintenanceJob,
  PlanningDate,
} from '../../shared/contracts/index.ts'
import { EventStore } from '../../shared/event-store/event-store.ts'
import { handleCommand } from '../../shared/event-store/handle-command.ts'
import type { Write } from '../../shared/db/statements.ts'
import { NotFound } from '../../shared/errors.ts'
import { createApp } from '../../shared/http/create-app.ts'
import { answerOnce } from '../../shared/http/idempotency.ts'
import { Pagination } from '../../shared/http/pagination.ts'
import { eventMetadata } from '../../shared/http/request-context.ts'
import { validate } from '../../shared/http/validate.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { decide, type WorkshopCommand } from './decider.ts'
import { jobsInTimeOrder, workshopPlanning, type WorkshopPlanning } from './events.ts'
import { jobIdClaims, jobIdTaken } from './job-ids.ts'
import { createReferences } from './references.ts'
import { inbox, jobs, refCustomers, refVehicles } from './schema.ts'

export const WORKSHOP_GROUP = 'workshop'

const DateParam = v.object({ date: PlanningDate })
const JobParam = v.object({ date: PlanningDate, jobId: JobId })
const JobsQuery = v.object({ from: PlanningDate, to: PlanningDate })

const jobsOf = (state: WorkshopPlanning) => (state.status === 'open' ? state.jobs : [])
const findJob = (state: WorkshopPlanning, jobId: string) => jobsOf(state).find((j) => j.jobId === jobId)

export function createWorkshopApp({ db, outbox, clock, newId, logger, settings }: ServiceDeps) {
  const store = new EventStore(db)
  const policy = { workstations: settings.workstations, timeZone: settings.timeZone }
  const referencesOf = createReferences(db)
  const claimJobIds = jobIdClaims(db)
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

  const once = answerOnce(db, clock)

  /** Decides and commits `command`; `answer` gives the writes recording the answer, from the state after it. */
  const execute = (
    c: Parameters<typeof eventMetadata>[0],
    command: WorkshopCommand,
    answer: (state: WorkshopPlanning) => Write[],
  ) =>
    handleCommand({
      store,
      outbox,
      aggregate: workshopPlanning,
      streamId: command.data.date,
      decide: (state) => decide(command, state, policy),
      metadata: eventMetadata(c),
      clock,
      newId,
      alsoWrite: (events, state) => [...claimJobIds(events), ...answer(state)],
    }).catch((error: unknown) => {
      throw jobIdTaken(error, command.data.jobId)
    })

  return (
    createApp({ logger, newId, maxBodyBytes: settings.maxBodyBytes })
      .post(
        '/api/workshop/planning/:date/jobs',
        validate('param', DateParam),
        validate('json', PlanMaintenanceJob),
        async (c) => {
          const { date } = c.req.valid('param')
          const body = c.req.valid('json')
          const { customerId, licenseNumber, jobId = newId(), ...slot } = body
          const { customer, vehicle } = await referencesOf(customerId, licenseNumber)
          const location = `/api/workshop/planning/${date}/jobs/${jobId}`
          // A job id names one job in every planning; the planning's rules refuse it a second time.
          return once(c, { operation: 'plan-job', command: { date, ...body }, id: body.jobId }, (record) =>
            execute(
              c,
              { type: 'PlanMaintenanceJob', data: { date, jobId, ...slot, customer, vehicle } },
              (state) => record({ status: 201, body: findJob(state, jobId), location }),
            ),
          )
        },
      )
      .put(
        '/api/workshop/planning/:date/jobs/:jobId/finish',
        validate('param', JobParam),
        validate('json', FinishMaintenanceJob),
        async (c) => {
          const { date, jobId } = c.req.valid('param')
          const body = c.req.valid('json')
          // Finishing happens once per job: the job is the id; a repeat meets "already finished" first.
          return once(c, { operation: 'finish-job', command: body, id: `${date}/${jobId}` }, (record) =>
            execute(c, { type: 'FinishMaintenanceJob', data: { date, jobId, ...body } }, (state) =>
              record({ status: 200, body: findJob(state, jobId) }),
            ),
          )
        },
      )
      // Plannings are read from the event store, not the read model, so a job planned a moment ago is in them.
      .get('/api/workshop/planning/:date', validate('param', DateParam), async (c) => {
        const { date } = c.req.valid('param')
        return c.json({ date, jobs: jobsInTimeOrder((await store.load(date, workshopPlanning)).state) })
      })
      .get('/api/workshop/planning/:date/jobs/:jobId', validate('param', JobParam), async (c) => {
        const { date, jobId } = c.req.valid('param')
        const job = findJob((await store.load(date, workshopPlanning)).state, jobId)
        if (!job) throw new NotFound(`No job ${jobId} on ${date}`)
        return c.json(job)
      })
      // The jobs read model (eventually consistent): a range of days at once, for overviews.
      .get('/api/workshop/jobs', validate('query', JobsQuery), async (c) => {
        const { from, to } = c.req.valid('query')
        return c.json(
          await db
            .select()
            .from(jobs)
            .where(and(gte(jobs.date, from), lte(jobs.date, to), isNotNull(jobs.startTime)))
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
  )
}
