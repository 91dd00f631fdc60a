import { and, asc, gte, lte } from 'drizzle-orm'
import type { StreamEntry } from '../bus/bus.ts'
import type { Db } from '../db/database.ts'
import { outbox } from '../db/kernel-schema.ts'

/**
 * A producer's outbox rows with seqs in `[fromSeq, toSeq]`, shaped as the stream entries the relay
 * made of them: the history consumers catch up from once the stream no longer holds it.
 *
 * @example
 * const missed = await readOutbox(customers.db, 1, 500, 500)
 */
export async function readOutbox(
  db: Db,
  fromSeq: number,
  toSeq: number,
  count: number,
): Promise<StreamEntry[]> {
  const rows = await db
    .select({ seq: outbox.seq, type: outbox.type, envelope: outbox.envelope })
    .from(outbox)
    .where(and(gte(outbox.seq, fromSeq), lte(outbox.seq, toSeq)))
    .orderBy(asc(outbox.seq))
    .limit(count)
  return rows.map((row) => ({ id: `${row.seq}-0`, fields: { type: row.type, event: row.envelope } }))
}
