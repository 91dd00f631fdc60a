import { eq, sql } from 'drizzle-orm'
import type { AnyEvent, Envelope } from '../../shared/contracts/index.ts'
import type { Db } from '../../shared/db/database.ts'
import type { Statement } from '../../shared/db/statements.ts'
import type { AllocatedLine, PartStock, Stock } from './allocation.ts'
import { lots, parts } from './schema.ts'

/**
 * Reads the stock of the named parts as reservations decide on it: each part's price and lots, with what
 * of each lot is neither reserved nor taken. The lots come in no particular order: allocating orders them.
 */
export function stockReader(db: Db): (partNumbers: string[]) => Promise<Stock> {
  // The part numbers travel as one JSON array, so one statement serves proposals of any size.
  const query = db
    .select({
      partNumber: parts.partNumber,
      unitPriceCents: parts.unitPriceCents,
      lotId: lots.lotId,
      receivedAt: lots.receivedAt,
      available: sql<number>`${lots.quantity} - ${lots.reserved} - ${lots.taken}`,
    })
    .from(parts)
    .leftJoin(lots, eq(lots.partNumber, parts.partNumber))
    .where(sql`${parts.partNumber} in (select value from json_each(${sql.placeholder('partNumbers')}))`)
    .prepare()

  return async function stockOf(partNumbers) {
    const stock = new Map<string, PartStock>()
    if (partNumbers.length === 0) return stock
    for (const row of await query.all({ partNumbers: JSON.stringify(partNumbers) })) {
      let part = stock.get(row.partNumber)
      if (!part) stock.set(row.partNumber, (part = { unitPriceCents: row.unitPriceCents, lots: [] }))
      if (row.lotId !== null)
        part.lots.push({ lotId: row.lotId, receivedAt: row.receivedAt!, available: row.available })
    }
    return stock
  }
}

const reserve = ({ quantity, lotId }: AllocatedLine): Statement => ({
  sql: 'update lots set reserved = reserved + ? where lot_id = ?',
  args: [quantity, lotId],
})
const release = ({ quantity, lotId }: AllocatedLine): Statement => ({
  sql: 'update lots set reserved = reserved - ? where lot_id = ?',
  args: [quantity, lotId],
})
const take = ({ quantity, lotId }: AllocatedLine): Statement => ({
  sql: 'update lots set reserved = reserved - ?, taken = taken + ? where lot_id = ?',
  args: [quantity, quantity, lotId],
})

/**
 * The changes to the lots that reservation events make, for the batch that records them. Relative
 * updates, so two batches that both hold items of a lot add up; the lots' CHECK refuses a batch that
 * would hold or take more than a lot has.
 */
export function stockChanges(events: Envelope[]): Statement[] {
  return (events as AnyEvent[]).flatMap((event) => {
    switch (event.type) {
      case 'PartsReserved':
        return event.data.lines.map(reserve)
      case 'ReservationCommitted':
        return event.data.lines.map(take)
      case 'ReservationReleased':
        return event.data.lines.map(release)
      default:
        return []
    }
  })
}
