import { eq } from 'drizzle-orm'
import { Hono, type Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import * as v from 'valibot'
import { ownedItem } from '../../shared/auth/access.ts'
import {
  ApproveRepairBody,
  ProposeExtraWorkBody,
  RejectRepairBody,
  RepairId,
  StartRepairBody,
} from '../../shared/contracts/index.ts'
import type { EventStore } from '../../shared/event-store/event-store.ts'
import type { AppEnv } from '../../shared/http/app-env.ts'
import { answerOnce } from '../../shared/http/idempotency.ts'
import { eventMetadata } from '../../shared/http/request-context.ts'
import { validate } from '../../shared/http/validate.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { expiredInstead, type ApproveRepair, type RejectRepair } from './decider.ts'
import { repairAggregate, started } from './events.ts'
import type { ExecuteRepairCommand } from './repair-commands.ts'
import { refuse, type KnownJob } from './rules.ts'
import { jobs } from './schema.ts'
import type { RepairsSettings } from './settings.ts'
import { repairView } from './views.ts'

export const RepairParam = v.object({ repairId: RepairId })

/**
 * Starting a repair, proposing extra work, the customer's answer and completing: commands on the
 * event-sourced `Repair`, each answered with the repair as it is after it.
 */
export function repairRoutes(
  { db, clock, newId }: ServiceDeps<RepairsSettings>,
  store: EventStore,
  execute: ExecuteRepairCommand,
) {
  const once = answerOnce(db, clock)
  const now = () => clock.now().toISOString()
  const location = (repairId: string) => `/api/repairs/${repairId}`

  async function knownJob(jobId: string): Promise<KnownJob | undefined> {
    const [row] = await db.select().from(jobs).where(eq(jobs.jobId, jobId))
    if (!row) return undefined
    // A finish applied before its plan made a row without the plan's columns: finished all the same.
    const { planningDate, customerId, licenseNumber, finished } = row
    if (finished) return { jobId, finished }
    return customerId && licenseNumber
      ? { jobId, finished, planningDate, customerId, licenseNumber }
      : undefined
  }

  /** A customer answers only for their own repair: another's, or none, is 403 before the body is read. */
  const ownRepair = createMiddleware<AppEnv>(async (c, next) => {
    const { state } = await store.load(c.req.param('repairId')!, repairAggregate)
    ownedItem(c, state.status === 'none' ? undefined : state, (r) => r.customerId, 'No such repair')
    await next()
  })

  /** The customer's answer to the proposal awaiting it; too late, it records the expiry and is refused. */
  async function answer(c: Context<AppEnv>, command: ApproveRepair | RejectRepair, operation: string) {
    const { repairId, proposalId, now: _, ...request } = command.data
    // Each proposal is answered once: a repeat of that answer gets the first one again.
    const id = `${repairId}/${proposalId}`
    return once(c, { operation, command: { proposalId, ...request }, id }, async (record) => {
      const outcome = await execute(command, eventMetadata(c), (events, repair) =>
        expiredInstead(events) ? [] : record({ status: 200, body: repairView(started(repair)) }),
      )
      if (expiredInstead(outcome.events))
        throw refuse('approval-expired', `The approval of repair ${repairId} expired before this answer`)
      return outcome
    })
  }

  return new Hono<AppEnv>()
    .post('/api/repairs', validate('json', StartRepairBody), async (c) => {
      const body = c.req.valid('json')
      const { repairId = newId(), jobId } = body
      const job = await knownJob(jobId)
      return once(c, { operation: 'start-repair', command: body, id: body.repairId }, (record) =>
        execute(
          { type: 'StartRepair', data: { repairId, jobId, job, now: now() } },
          eventMetadata(c),
          (_, repair) =>
            record({ status: 201, body: repairView(started(repair)), location: location(repairId) }),
        ),
      )
    })
    .post(
      '/api/repairs/:repairId/proposals',
      validate('param', RepairParam),
      validate('json', ProposeExtraWorkBody),
      async (c) => {
        const { repairId } = c.req.valid('param')
        const body = c.req.valid('json')
        const { proposalId = newId(), ...work } = body
        const id = body.proposalId && `${repairId}/${body.proposalId}`
        return once(c, { operation: 'propose-extra-work', command: { repairId, ...body }, id }, (record) =>
          execute(
            { type: 'ProposeExtraWork', data: { repairId, proposalId, ...work, now: now() } },
            eventMetadata(c),
            (_, repair) =>
              record({ status: 202, body: repairView(started(repair)), location: location(repairId) }),
          ),
        )
      },
    )
    .post(
      '/api/repairs/:repairId/approve',
      validate('param', RepairParam),
      ownRepair,
      validate('json', ApproveRepairBody),
      async (c) => {
        const { repairId } = c.req.valid('param')
        const { proposalId } = c.req.valid('json')
        const command = { type: 'ApproveRepair', data: { repairId, proposalId, now: now() } } as const
        return answer(c, command, 'approve-repair')
      },
    )
    .post(
      '/api/repairs/:repairId/reject',
      validate('param', RepairParam),
      ownRepair,
      validate('json', RejectRepairBody),
      async (c) => {
        const { repairId } = c.req.valid('param')
        const { proposalId, reason } = c.req.valid('json')
        const command = { type: 'RejectRepair', data: { repairId, proposalId, reason, now: now() } } as const
        return answer(c, command, 'reject-repair')
      },
    )
    .post('/api/repairs/:repairId/complete', validate('param', RepairParam), async (c) => {
      const { repairId } = c.req.valid('param')
      // A repair is completed once: a repeat meets "already completed" and gets the first answer.
      return once(c, { operation: 'complete-repair', command: { repairId }, id: repairId }, (record) =>
        execute({ type: 'CompleteRepair', data: { repairId, now: now() } }, eventMetadata(c), (_, repair) =>
          record({ status: 200, body: repairView(started(repair)) }),
        ),
      )
    })
}
