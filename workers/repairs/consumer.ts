import type { AnyEvent, Envelope } from '../../shared/contracts/index.ts'
import type { EventHandler } from '../../shared/consumer/consumer-group.ts'
import type { EventStore } from '../../shared/event-store/event-store.ts'
import { reactTo } from '../../shared/event-store/react.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { decide, type RepairCommand } from './decider.ts'
import { repairAggregate } from './events.ts'
import { jobsProjection } from './projection.ts'
import { clockAt } from './repair-commands.ts'
import { repairRows } from './repair-rows.ts'
import { policyOf, type RepairsSettings } from './settings.ts'

/** The consumer group of repairs: it reads the workshop's and the parts service's streams. */
export const REPAIRS_GROUP = 'repairs'

/**
 * What repairs does with the events it reads: keeps the jobs of the workshop, and records the parts
 * service's answer to a proposal on its repair (`reactTo`), in the batch that records the event as
 * applied. An answer that is not to the proposal awaiting the parts (a duplicate, a stale one) decides
 * nothing, and is logged.
 */
export function repairsConsumer(deps: ServiceDeps<RepairsSettings>, store: EventStore): EventHandler {
  const { db, outbox, clock, newId, settings, logger } = deps
  const policy = policyOf(settings)
  const project = jobsProjection(db)
  const rowsOf = repairRows(db)

  const answer = (cause: Envelope, command: RepairCommand) =>
    reactTo(cause, {
      store,
      outbox,
      aggregate: repairAggregate,
      streamId: command.data.repairId,
      decide: (repair) => {
        const decided = decide(command, repair, policy)
        // Only a duplicate or a stale answer fits no proposal; one that keeps coming is worth a look.
        if (decided.length === 0)
          logger.warn(
            { repairId: command.data.repairId, eventId: cause.id, type: cause.type },
            'a parts answer fits no proposal awaiting the parts; nothing recorded',
          )
        return decided
      },
      actor: 'repairs',
      clock: clockAt(command.data.now),
      newId,
      alsoWrite: rowsOf,
    })

  return function handle(envelope) {
    const event = envelope as AnyEvent
    const now = clock.now().toISOString()
    switch (event.type) {
      case 'PartsReserved':
        return answer(envelope, { type: 'RecordPartsReserved', data: { ...event.data, now } })
      case 'PartsUnavailable':
        return answer(envelope, { type: 'RecordPartsUnavailable', data: { ...event.data, now } })
      default:
        return project(event)
    }
  }
}
