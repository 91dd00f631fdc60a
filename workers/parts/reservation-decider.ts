import { allocate, type Stock, type WantedLine } from './allocation.ts'
import type { Reservation, ReservationEvent } from './reservation.ts'

/** A proposal asks for parts: `stock` is the catalogue's stock of those parts as read just before. */
export type ReserveParts = {
  type: 'ReserveParts'
  data: { reservationId: string; repairId: string; wanted: WantedLine[]; stock: Stock }
}
/** The customer approved the proposal: its parts leave with the work. */
export type CommitReservation = { type: 'CommitReservation'; data: { reservationId: string } }
/** The customer rejected the proposal, or let its approval expire: its parts go back to their lots. */
export type ReleaseReservation = {
  type: 'ReleaseReservation'
  data: { reservationId: string; reason: 'rejected' | 'expired' }
}
export type ReservationCommand = ReserveParts | CommitReservation | ReleaseReservation

/**
 * An approval, rejection or expiry came before the parts service answered the proposal it is about. The
 * repairs service asks the customer only after that answer, so this is an event overtaking another (two
 * consumers, a redelivery): it fails, and is delivered again until the answer is there.
 */
export class ProposalNotAnsweredYet extends Error {
  override name = 'ProposalNotAnsweredYet'
  constructor(reservationId: string) {
    super(`Proposal ${reservationId} has no answer about its parts yet; its event is applied once it has`)
  }
}

type Held = Extract<Reservation, { status: 'held' }>

/** The reservation if its parts are held; none once committed, released or never held (unavailable). */
function heldReservation(state: Reservation, reservationId: string): Held | undefined {
  if (state.status === 'unanswered') throw new ProposalNotAnsweredYet(reservationId)
  return state.status === 'held' ? state : undefined
}

export function reserveParts({ data }: ReserveParts, state: Reservation): ReservationEvent[] {
  // A proposal is answered once: the same proposal again (published twice) changes nothing.
  if (state.status !== 'unanswered') return []
  const { reservationId, repairId } = data
  const allocation = allocate(data.wanted, data.stock)
  return allocation.status === 'reserved'
    ? [{ type: 'PartsReserved', data: { reservationId, repairId, lines: allocation.lines } }]
    : [{ type: 'PartsUnavailable', data: { reservationId, repairId, shortages: allocation.shortages } }]
}

export function commitReservation({ data }: CommitReservation, state: Reservation): ReservationEvent[] {
  const held = heldReservation(state, data.reservationId)
  if (!held) return []
  const { reservationId } = data
  return [
    { type: 'ReservationCommitted', data: { reservationId, repairId: held.repairId, lines: held.lines } },
  ]
}

export function releaseReservation({ data }: ReleaseReservation, state: Reservation): ReservationEvent[] {
  const held = heldReservation(state, data.reservationId)
  if (!held) return []
  const { reservationId, reason } = data
  return [
    {
      type: 'ReservationReleased',
      data: { reservationId, repairId: held.repairId, lines: held.lines, reason },
    },
  ]
}

export function decide(command: ReservationCommand, state: Reservation): ReservationEvent[] {
  const { type } = command
  switch (type) {
    case 'ReserveParts':
      return reserveParts(command, state)
    case 'CommitReservation':
      return commitReservation(command, state)
    case 'ReleaseReservation':
      return releaseReservation(command, state)
    default: {
      const _exhaustive: never = type
      throw new Error(`Unknown command ${_exhaustive}`)
    }
  }
}
