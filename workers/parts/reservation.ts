import type {
  PartsReserved,
  PartsUnavailable,
  ReservationCommitted,
  ReservationReleased,
} from '../../shared/contracts/index.ts'
import type { AllocatedLine, ShortLine } from './allocation.ts'

export type ReservationEvent = PartsReserved | PartsUnavailable | ReservationCommitted | ReservationReleased

/**
 * The parts of one proposal (the reservation's id is the proposal's): not answered yet, held in lots
 * until the customer answers, or refused for want of stock; once held, committed (the parts leave with the
 * work) or released back to their lots. Plain data, so it can be snapshotted as JSON.
 */
export type Reservation =
  | { status: 'unanswered' }
  | { status: 'unavailable'; repairId: string; shortages: ShortLine[] }
  | { status: 'held'; repairId: string; lines: AllocatedLine[] }
  | { status: 'committed'; repairId: string; lines: AllocatedLine[] }
  | { status: 'released'; repairId: string; lines: AllocatedLine[]; reason: 'rejected' | 'expired' }

export const initialState = (): Reservation => ({ status: 'unanswered' })

// Each event carries all a reservation is after it, so the state before it is not needed.
export function evolve(_state: Reservation, event: ReservationEvent): Reservation {
  switch (event.type) {
    case 'PartsReserved':
      return { status: 'held', repairId: event.data.repairId, lines: event.data.lines }
    case 'PartsUnavailable':
      return { status: 'unavailable', repairId: event.data.repairId, shortages: event.data.shortages }
    case 'ReservationCommitted':
      return { status: 'committed', repairId: event.data.repairId, lines: event.data.lines }
    case 'ReservationReleased': {
      const { repairId, lines, reason } = event.data
      return { status: 'released', repairId, lines, reason }
    }
  }
}

export const reservation = { initialState, evolve }
