import { asc, eq, sql, type AnyColumn } from 'drizzle-orm'
import { formatCents } from '../../shared/contracts/index.ts'
import type { Db } from '../../shared/db/database.ts'
import { lots, parts } from './schema.ts'

/** Items of a lot or a part: on hand is what was received and not taken; available, what is not reserved of it. */
function counts(received: number, reserved: number, taken: number) {
  const onHand = received - taken
  return { onHand, reserved, available: onHand - reserved }
}

type PartRow = typeof parts.$inferSelect
type LotRow = typeof lots.$inferSelect

const partView = ({ partNumber, name, unitPriceCents }: PartRow, stock: ReturnType<typeof counts>) => ({
  partNumber,
  name,
  unitPrice: formatCents(unitPriceCents),
  ...stock,
})

const lotView = ({ lotId, receivedAt, quantity, reserved, taken }: LotRow) => ({
  lotId,
  receivedAt,
  quantity,
  ...counts(quantity, reserved, taken),
})

/** A part as `GET /api/parts/{partNumber}` shows it: its stock in total and per lot, oldest first. */
export const partWithLots = (part: PartRow, partLots: LotRow[]) => {
  const total = (column: 'quantity' | 'reserved' | 'taken') =>
    partLots.reduce((sum, lot) => sum + lot[column], 0)
  return {
    ...partView(part, counts(total('quantity'), total('reserved'), total('taken'))),
    lots: partLots.map(lotView),
  }
}

/** What the catalogue shows: the parts with their stock, money as amounts with two decimals. */
export function catalogueQueries(db: Db) {
  const partOf = db
    .select()
    .from(parts)
    .where(eq(parts.partNumber, sql.placeholder('partNumber')))
    .prepare()
  const lotsOf = db
    .select()
    .from(lots)
    .where(eq(lots.partNumber, sql.placeholder('partNumber')))
    .orderBy(asc(lots.receivedAt), asc(lots.lotId))
    .prepare()
  const total = (column: AnyColumn) => sql<number>`coalesce(sum(${column}), 0)`

  return {
    async find(partNumber: string): Promise<PartRow | undefined> {
      return (await partOf.all({ partNumber }))[0]
    },

    async withLots(partNumber: string) {
      const [part] = await partOf.all({ partNumber })
      return part && partWithLots(part, await lotsOf.all({ partNumber }))
    },

    async list({ limit, offset }: { limit: number; offset: number }) {
      const rows = await db
        .select({
          part: parts,
          received: total(lots.quantity),
          reserved: total(lots.reserved),
          taken: total(lots.taken),
        })
        .from(parts)
        .leftJoin(lots, eq(lots.partNumber, parts.partNumber))
        .groupBy(parts.partNumber)
        .orderBy(asc(parts.partNumber))
        .limit(limit)
        .offset(offset)
      return rows.map((row) => partView(row.part, counts(row.received, row.reserved, row.taken)))
    },
  }
}
