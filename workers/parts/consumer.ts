import type { AnyEvent, Envelope, ExtraWorkProposed } from '../../shared/contracts/index.ts'
import type { EventHandler } from '../../shared/consumer/consumer-group.ts'
import { EventStore } from '../../shared/event-store/event-store.ts'
import { reactTo } from '../../shared/event-store/react.ts'
import type { ServiceDeps } from '../../shared/service.ts'
import { decide, type ReservationCommand } from './reservation-decider.ts'
import { reservation } from './reservation.ts'
import { stockChanges, stockReader } from './stock.ts'

/** The consumer group through which the parts service answers the repairs service. */
export const PARTS_GROUP = 'parts'

/**
 * What the parts service does with the repairs stream: reserves the parts of each proposal, commits
 * them when the customer approves, releases them when the customer rejects or the approval expires. Each
 * answer is decided by the proposal's `Reservation` and recorded with the lots it changes, in the batch
 * that applies the event (`reactTo`); other repairs events need no answer.
 */
export function reservationsConsumer({
  db,
  outbox,
  clock,
  newId,
}: Pick<ServiceDeps, 'db' | 'outbox' | 'clock' | 'newId'>): EventHandler {
  const store = new EventStore(db)
  const stockOf = stockReader(db)
  const answer = (cause: Envelope, command: ReservationCommand) =>
    reactTo(cause, {
      store,
      outbox,
      aggregate: reservation,
      streamId: command.data.reservationId,
      decide: (state) => decide(command, state),
      actor: 'parts',
      clock,
      newId,
      alsoWrite: stockChanges,
    })
  const reserve = async (cause: Envelope, { data }: ExtraWorkProposed) => {
    const { proposalId: reservationId, repairId, parts: wanted } = data
    const stock = await stockOf(wanted.map((line) => line.partNumber))
    return answer(cause, { type: 'ReserveParts', data: { reservationId, repairId, wanted, stock } })
  }

  return async function answerRepairs(envelope) {
    const event = envelope as AnyEvent
    switch (event.type) {
      case 'ExtraWorkProposed':
        return reserve(envelope, event)
      case 'RepairApproved':
        return answer(envelope, { type: 'CommitReservation', data: { reservationId: event.data.proposalId } })
      case 'RepairRejected':
        return answer(envelope, {
          type: 'ReleaseReservation',
          data: { reservationId: event.data.proposalId, reason: 'rejected' },
        })
      case 'ApprovalExpired':
        return answer(envelope, {
          type: 'ReleaseReservation',
          data: { reservationId: event.data.proposalId, reason: 'expired' },
        })
      default:
        return []
    }
  }
}
