import * as v from 'valibot'
import { eventContract, type DomainEvent } from './envelope.ts'
import { Cents, MoneyInput } from './money.ts'
import { Identifier, requiredText } from './text.ts'
import { RecordedTimestamp } from './timestamp.ts'

/** A part number as the catalogue keeps it: letters, digits and dashes, upper-cased (`bp-1044` is `BP-1044`). */
export const PartNumber = v.pipe(
  v.string(),
  v.trim(),
  // Checked before upper-casing, which turns `ß` into `SS` and `ı` into `I`.
  v.regex(
    /^[A-Za-z0-9][A-Za-z0-9-]{0,39}$/,
    'must be letters, digits and dashes (at most 40), such as BP-1044',
  ),
  v.toUpperCase(),
)
/** How many of a part: a whole number from 1 to 10,000. */
export const Quantity = v.pipe(
  v.number(),
  v.safeInteger('must be a whole number'),
  v.minValue(1, 'must be at least 1'),
  v.maxValue(10_000, 'must be at most 10000'),
)
export const ReservationId = Identifier
export const LotId = Identifier

/** Body of `POST /api/parts`: a part in the catalogue, with its price (`"12.50"` or `12.5`). */
export const RegisterPartBody = v.object({
  partNumber: PartNumber,
  name: requiredText(100),
  unitPrice: MoneyInput,
})
/** Body of `POST /api/parts/{partNumber}/lots`: stock arriving, dated by the clock. */
export const ReceiveLotBody = v.object({ quantity: Quantity })

/** One line of parts wanted for a proposal. */
export const PartsLine = v.object({ partNumber: PartNumber, quantity: Quantity })

export const PartRegistered = eventContract(
  'PartRegistered',
  1,
  v.object({ partNumber: PartNumber, name: v.string(), unitPriceCents: Cents }),
)
export const LotReceived = eventContract(
  'LotReceived',
  1,
  v.object({ partNumber: PartNumber, lotId: LotId, quantity: Quantity, receivedAt: RecordedTimestamp }),
)

/** Which lots a reservation took from: the oldest first, each line at the part's price when reserved. */
export const ReservedLine = v.object({
  partNumber: PartNumber,
  lotId: LotId,
  quantity: Quantity,
  unitPriceCents: Cents,
})
export const Shortage = v.object({
  partNumber: PartNumber,
  requested: Quantity,
  /** What was available when the proposal came: fewer than requested (0 for a part not in the catalogue). */
  available: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
})

// A reservation is named after the proposal it serves (`reservationId` is the proposal's id).
export const PartsReserved = eventContract(
  'PartsReserved',
  1,
  v.object({ reservationId: ReservationId, repairId: Identifier, lines: v.array(ReservedLine) }),
)
export const PartsUnavailable = eventContract(
  'PartsUnavailable',
  1,
  v.object({ reservationId: ReservationId, repairId: Identifier, shortages: v.array(Shortage) }),
)
export const ReservationCommitted = eventContract(
  'ReservationCommitted',
  1,
  v.object({ reservationId: ReservationId, repairId: Identifier, lines: v.array(ReservedLine) }),
)
export const ReservationReleased = eventContract(
  'ReservationReleased',
  1,
  v.object({
    reservationId: ReservationId,
    repairId: Identifier,
    lines: v.array(ReservedLine),
    reason: v.picklist(['rejected', 'expired']),
  }),
)

export type PartRegistered = DomainEvent<typeof PartRegistered>
export type LotReceived = DomainEvent<typeof LotReceived>
export type PartsReserved = DomainEvent<typeof PartsReserved>
export type PartsUnavailable = DomainEvent<typeof PartsUnavailable>
export type ReservationCommitted = DomainEvent<typeof ReservationCommitted>
export type ReservationReleased = DomainEvent<typeof ReservationReleased>
