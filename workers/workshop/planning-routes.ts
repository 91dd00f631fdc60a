import { Hono } from 'hono'
import * as v from 'valibot'
import {
  FinishMaintenanceJobBody,
  JobId,
  PlanMaintenanceJobBody,
  PlanningDate,
} from '../../shared/contracts/index.ts'
import { ownedItem } from '../../shared/auth/access.ts'
import type { Write } from '../../shared/db/statements.ts'
import { EventStore } from '../../shared/event-store/event-store.ts'
import { handleCommand } from '../../shared/event-store/handle-command.ts'
import type { AppEnv } from '../../shared/http/app-env.ts'
import { answerOnce } from '../../shared/http/idempotency.ts'
import { eventMetadata } from '../../shared/http/request-context.ts'
import { validate } from '../../shared/http/validate.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { decide, type PlanningPolicy, type WorkshopCommand } from './decider.ts'
import { jobsInTimeOrder, workshopPlanning, type WorkshopPlanning } from './events.ts'
import { jobIdClaims, jobIdTaken } from './job-ids.ts'
import { createReferences } from './references.ts'

const DateParam = v.object({ date: PlanningDate })
const JobParam = v.object({ date: PlanningDate, jobId: JobId })

const findJob = (state: WorkshopPlanning, jobId: string) =>
  state.status === 'open' ? state.jobs.find((j) => j.jobId === jobId) : undefined

/**
 * Planning and finishing jobs, and reading a day's planning: all on the event-sourced
 * `WorkshopPlanning` of that date, so a job planned a moment ago is in what is read back.
 */
export function planningRoutes({ db, outbox, clock, newId }: ServiceDeps<unknown>, policy: PlanningPolicy) {
  const store = new EventStore(db)
  const referencesOf = createReferences(db)
  const claimJobIds = jobIdClaims(db)
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

  return new Hono<AppEnv>()
    .post(
      '/api/workshop/planning/:date/jobs',
      validate('param', DateParam),
      validate('json', PlanMaintenanceJobBody),
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
      validate('json', FinishMaintenanceJobBody),
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
    .get('/api/workshop/planning/:date', validate('param', DateParam), async (c) => {
      const { date } = c.req.valid('param')
      return c.json({ date, jobs: jobsInTimeOrder((await store.load(date, workshopPlanning)).state) })
    })
    .get('/api/workshop/planning/:date/jobs/:jobId', validate('param', JobParam), async (c) => {
      const { date, jobId } = c.req.valid('param')
      const job = findJob((await store.load(date, workshopPlanning)).state, jobId)
      return c.json(ownedItem(c, job, (j) => j.customer.customerId, `No job ${jobId} on ${date}`))
    })
}
