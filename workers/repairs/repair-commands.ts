import type { Clock } from '../../shared/clock.ts'
import type { Envelope, EventMetadata } from '../../shared/contracts/index.ts'
import type { Write } from '../../shared/db/statements.ts'
import type { EventStore } from '../../shared/event-store/event-store.ts'
import { handleCommand } from '../../shared/event-store/handle-command.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { decide, type RepairCommand } from './decider.ts'
import { repairAggregate, type Repair } from './events.ts'
import { claimRefused, repairRows } from './repair-rows.ts'
import { policyOf, type RepairsSettings } from './settings.ts'

/** A clock standing at `time`: a command's events are recorded at the time it was decided at. */
export const clockAt = (time: string): Clock => ({ now: () => new Date(time) })

/**
 * Decides a command on its repair and commits the events with the repair's list row, its proposal id
 * claims and `answer`'s writes (the answer to the request) in one batch; a claim the database refuses
 * is the rule it stands for.
 */
export function repairCommands(
  { db, outbox, newId, settings }: ServiceDeps<RepairsSettings>,
  store: EventStore,
) {
  const policy = policyOf(settings)
  const rowsOf = repairRows(db)
  return function execute(
    command: RepairCommand,
    metadata: EventMetadata,
    answer: (events: Envelope[], repair: Repair) => Write[] = () => [],
  ) {
    return handleCommand({
      store,
      outbox,
      aggregate: repairAggregate,
      streamId: command.data.repairId,
      decide: (repair) => decide(command, repair, policy),
      metadata,
      clock: clockAt(command.data.now),
      newId,
      alsoWrite: (events, repair) => [...rowsOf(events, repair), ...answer(events, repair)],
    }).catch((error: unknown) => {
      throw claimRefused(error)
    })
  }
}
export type ExecuteRepairCommand = ReturnType<typeof repairCommands>
