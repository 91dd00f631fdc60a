import { describe, it } from 'vitest'
import { deciderSpec } from '../../shared/testing/decider-spec.ts'
import type { Stock } from './allocation.ts'
import {
  decide,
  ProposalNotAnsweredYet,
  type CommitReservation,
  type ReleaseReservation,
  type ReservationCommand,
  type ReserveParts,
} from './reservation-decider.ts'
import { evolve, initialState, type Reservation, type ReservationEvent } from './reservation.ts'

const spec = deciderSpec<ReservationCommand, ReservationEvent, Reservation>({ decide, evolve, initialState })

const reservationId = 'proposal-1'
const repairId = 'repair-1'
const stock: Stock = new Map([
  [
    'BP-1044',
    {
      unitPriceCents: 1250,
      lots: [
        { lotId: 'lot-old', receivedAt: '2026-12-01T08:00:00.000Z', available: 2 },
        { lotId: 'lot-new', receivedAt: '2026-12-02T08:00:00.000Z', available: 5 },
      ],
    },
  ],
])
const lines = [
  { partNumber: 'BP-1044', lotId: 'lot-old', quantity: 2, unitPriceCents: 1250 },
  { partNumber: 'BP-1044', lotId: 'lot-new', quantity: 1, unitPriceCents: 1250 },
]

const reserve = (quantity: number): ReserveParts => ({
  type: 'ReserveParts',
  data: { reservationId, repairId, wanted: [{ partNumber: 'BP-1044', quantity }], stock },
})
const commit: CommitReservation = { type: 'CommitReservation', data: { reservationId } }
const release = (reason: 'rejected' | 'expired'): ReleaseReservation => ({
  type: 'ReleaseReservation',
  data: { reservationId, reason },
})

const reserved: ReservationEvent = { type: 'PartsReserved', data: { reservationId, repairId, lines } }
const unavailable: ReservationEvent = {
  type: 'PartsUnavailable',
  data: { reservationId, repairId, shortages: [{ partNumber: 'BP-1044', requested: 8, available: 7 }] },
}
const committed: ReservationEvent = { type: 'ReservationCommitted', data: { reservationId, repairId, lines } }
const released = (reason: 'rejected' | 'expired'): ReservationEvent => ({
  type: 'ReservationReleased',
  data: { reservationId, repairId, lines, reason },
})

describe('a proposal not answered yet', () => {
  it('reserves its parts from the oldest lots when all are available', () => {
    spec.given([]).when(reserve(3)).then([reserved])
  })

  it('reserves the last item available', () => {
    spec
      .given([])
      .when(reserve(7))
      .then([
        {
          type: 'PartsReserved',
          data: {
            reservationId,
            repairId,
            lines: [
              { ...lines[0]!, quantity: 2 },
              { ...lines[1]!, quantity: 5 },
            ],
          },
        },
      ])
  })

  it('answers that its parts are unavailable when one more is wanted than available', () => {
    spec.given([]).when(reserve(8)).then([unavailable])
  })

  it('answers a proposal without parts with a reservation without lines', () => {
    spec
      .given([])
      .when({ type: 'ReserveParts', data: { reservationId, repairId, wanted: [], stock: new Map() } })
      .then([{ type: 'PartsReserved', data: { reservationId, repairId, lines: [] } }])
  })

  it('cannot commit yet: the approval waits for the answer', () => {
    spec.given([]).when(commit).thenThrows(ProposalNotAnsweredYet)
  })

  it('cannot release yet: the rejection or expiry waits for the answer', () => {
    spec.given([]).when(release('rejected')).thenThrows(ProposalNotAnsweredYet)
    spec.given([]).when(release('expired')).thenThrows(ProposalNotAnsweredYet)
  })
})

describe('a reservation holding parts', () => {
  it('is not reserved a second time when the proposal comes again', () => {
    spec.given([reserved]).when(reserve(3)).then([])
  })

  it('commits the parts it holds on approval', () => {
    spec.given([reserved]).when(commit).then([committed])
  })

  it('releases the parts it holds to the same lots on rejection', () => {
    spec
      .given([reserved])
      .when(release('rejected'))
      .then([released('rejected')])
  })

  it('releases the parts it holds to the same lots when the approval expires', () => {
    spec
      .given([reserved])
      .when(release('expired'))
      .then([released('expired')])
  })
})

describe('a proposal whose parts were unavailable', () => {
  it('ignores an approval: nothing was reserved', () => {
    spec.given([unavailable]).when(commit).then([])
  })

  it('ignores a rejection or expiry: nothing was reserved', () => {
    spec.given([unavailable]).when(release('rejected')).then([])
    spec.given([unavailable]).when(release('expired')).then([])
  })

  it('is not answered again when the proposal comes again', () => {
    spec.given([unavailable]).when(reserve(1)).then([])
  })
})

describe('a committed reservation', () => {
  it('ignores a second approval', () => {
    spec.given([reserved, committed]).when(commit).then([])
  })

  it('ignores a rejection or expiry after it: the parts have left', () => {
    spec.given([reserved, committed]).when(release('rejected')).then([])
    spec.given([reserved, committed]).when(release('expired')).then([])
  })
})

describe('a released reservation', () => {
  it('ignores a second release', () => {
    spec
      .given([reserved, released('rejected')])
      .when(release('rejected'))
      .then([])
    spec
      .given([reserved, released('expired')])
      .when(release('rejected'))
      .then([])
  })

  it('ignores an approval after it: the parts are back in their lots', () => {
    spec
      .given([reserved, released('expired')])
      .when(commit)
      .then([])
  })

  it('is not reserved again when the proposal comes again', () => {
    spec
      .given([reserved, released('rejected')])
      .when(reserve(3))
      .then([])
  })
})
