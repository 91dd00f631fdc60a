import type { Envelope } from '../contracts/envelope.ts'
import { commitBatch, type BatchItem, type Db } from '../db/database.ts'
import { outbox } from '../db/kernel-schema.ts'

/** Writes a state change and the events describing it in one atomic batch. */
export interface Outbox {
  commit(changes: BatchItem[], events: Envelope[]): Promise<void>
}

/**
 * @param onCommitted called after every commit, to kick the relay so events leave at once.
 * @example
 * const outbox = createOutbox(db, () => relay.kick())
 * await outbox.commit([db.insert(customers).values(row)], [registered])
 */
export function createOutbox(db: Db, onCommitted: () => void): Outbox {
  return {
    async commit(changes, events) {
      const rows = events.map((e) => ({ eventId: e.id, type: e.type, envelope: JSON.stringify(e) }))
      await commitBatch(db, rows.length === 0 ? changes : [...changes, db.insert(outbox).values(rows)])
      onCommitted()
    },
  }
}
