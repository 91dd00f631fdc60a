import { sql } from 'drizzle-orm'
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export {
  consumerGaps,
  consumerPositions,
  events,
  inbox,
  kernelMeta,
  kernelRequests,
  outbox,
  snapshots,
} from '../../shared/db/kernel-schema.ts'

/** The catalogue: each part once, with the price a reservation takes it at. */
export const parts = sqliteTable('parts', {
  partNumber: text('part_number').primaryKey(),
  name: text('name').notNull(),
  unitPriceCents: integer('unit_price_cents').notNull(),
})

/**
 * Stock as it arrived, one row per lot: how many came, how many are held for proposals awaiting an answer
 * (`reserved`) and how many left with approved work (`taken`). Reservations decide on these rows and
 * change them in the consumer group's batch that records the decision. Two consumers deciding on the same
 * rows at once may both take the last items; the CHECK then refuses the batch that commits second, and
 * the group applies that event again, alone, on the stock as it is by then. So the database itself, not
 * the order things happen in, keeps any lot from being oversold.
 */
export const lots = sqliteTable(
  'lots',
  {
    lotId: text('lot_id').primaryKey(),
    partNumber: text('part_number').notNull(),
    receivedAt: text('received_at').notNull(),
    quantity: integer('quantity').notNull(),
    reserved: integer('reserved').notNull().default(0),
    taken: integer('taken').notNull().default(0),
  },
  (t) => [
    index('lots_oldest_first').on(t.partNumber, t.receivedAt, t.lotId),
    check('lots_never_oversold', sql`reserved >= 0 and taken >= 0 and reserved + taken <= quantity`),
  ],
)
