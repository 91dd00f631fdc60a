import type { AnyEvent, Envelope } from '../../shared/contracts/index.ts'
import type { Write } from '../../shared/db/statements.ts'
import type { EventStore } from '../../shared/event-store/event-store.ts'
import { reactTo } from '../../shared/event-store/react.ts'
import { NotFound } from '../../shared/errors.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { finishMaintenanceJob } from './decider.ts'
import { workshopPlanning } from './events.ts'

/**
 * A completed repair finishes its maintenance job: actually started when the repair started, ended when
 * it completed. A job finished already (by hand, or by this event delivered before) is left as it is.
 * A job its planning does not hold is a fault to see, not to pass over: the event fails and, after its
 * deliveries, waits among the dead letters.
 */
export function finishJobsOfCompletedRepairs(
  store: EventStore,
  { outbox, clock, newId }: Pick<ServiceDeps, 'outbox' | 'clock' | 'newId'>,
) {
  return async function finishJobOf(envelope: Envelope): Promise<Write[]> {
    const event = envelope as AnyEvent
    if (event.type !== 'RepairCompleted') return []
    const { repairId, jobId, planningDate, startedAt, completedAt } = event.data
    return reactTo(envelope, {
      store,
      outbox,
      aggregate: workshopPlanning,
      streamId: planningDate,
      actor: 'workshop',
      clock,
      newId,
      decide: (state) => {
        const job = state.status === 'open' ? state.jobs.find((j) => j.jobId === jobId) : undefined
        if (!job)
          throw new NotFound(`Repair ${repairId} completed job ${jobId}, which ${planningDate} does not hold`)
        if (job.status === 'finished') return []
        const finish = { date: planningDate, jobId, startTime: startedAt, endTime: completedAt }
        return finishMaintenanceJob(
          { type: 'FinishMaintenanceJob', data: { ...finish, notes: `Repair ${repairId} completed` } },
          state,
        )
      },
    })
  }
}
