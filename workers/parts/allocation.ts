import type * as v from 'valibot'
import type { PartsLine, ReservedLine, Shortage } from '../../shared/contracts/index.ts'

export type WantedLine = v.InferOutput<typeof PartsLine>
export type AllocatedLine = v.InferOutput<typeof ReservedLine>
export type ShortLine = v.InferOutput<typeof Shortage>

/** One lot of a part as it stands: what is neither reserved nor taken. */
export interface LotStock {
  lotId: string
  receivedAt: string
  available: number
}

/** A part of the catalogue with its price and its lots, in any order. */
export interface PartStock {
  unitPriceCents: number
  lots: LotStock[]
}

/** The catalogue's stock of the parts a proposal asks for, by part number; a part not in it is absent. */
export type Stock = ReadonlyMap<string, PartStock>

export type Allocation =
  { status: 'reserved'; lines: AllocatedLine[] } | { status: 'short'; shortages: ShortLine[] }

// Times are canonical UTC, whose text order is time order; lot ids break ties.
const oldestFirst = (a: LotStock, b: LotStock) =>
  a.receivedAt < b.receivedAt
    ? -1
    : a.receivedAt > b.receivedAt
      ? 1
      : a.lotId < b.lotId
        ? -1
        : a.lotId > b.lotId
          ? 1
          : 0

/**
 * Takes every wanted line from the oldest lots first, at the part's price, or nothing at all: when any
 * line is short, the answer is every short line with what was available of it (0 for a part the
 * catalogue does not have). A part wanted on two lines takes the second from what the first left.
 *
 * @example
 * allocate([{ partNumber: 'BP-1044', quantity: 3 }], stock)
 * // { status: 'reserved', lines: [{ partNumber: 'BP-1044', lotId: 'lot-1', quantity: 2, unitPriceCents: 1250 }, ...] }
 */
export function allocate(wanted: readonly WantedLine[], stock: Stock): Allocation {
  const left = new Map<string, number>()
  const lines: AllocatedLine[] = []
  const shortages: ShortLine[] = []
  for (const { partNumber, quantity } of wanted) {
    const part = stock.get(partNumber)
    const lots = (part?.lots ?? []).toSorted(oldestFirst)
    const leftIn = (lot: LotStock) => left.get(lot.lotId) ?? lot.available
    const available = lots.reduce((sum, lot) => sum + leftIn(lot), 0)
    if (!part || available < quantity) {
      shortages.push({ partNumber, requested: quantity, available })
      continue
    }
    let needed = quantity
    for (const lot of lots) {
      const taken = Math.min(needed, leftIn(lot))
      if (taken === 0) continue
      lines.push({ partNumber, lotId: lot.lotId, quantity: taken, unitPriceCents: part.unitPriceCents })
      left.set(lot.lotId, leftIn(lot) - taken)
      needed -= taken
      if (needed === 0) break
    }
  }
  return shortages.length > 0 ? { status: 'short', shortages } : { status: 'reserved', lines }
}
