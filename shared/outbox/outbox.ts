import { setImmediate } from 'node:timers'
import type { Envelope } from '../contracts/envelope.ts'
import { isConstraintViolation, type Db } from '../db/database.ts'
import { outbox } from '../db/kernel-schema.ts'
import { commitWrites, compileInsert, placeholders, type Write } from '../db/statements.ts'

/** Writes a state change and the events describing it in one atomic batch. */
export interface Outbox {
  commit(changes: Write[], events: Envelope[]): Promise<void>
  /**
   * The outbox rows of `events`, for a batch another part commits: a consumer group's, which applies an
   * event and records the events it led to at once. Once such a batch has committed, `staged(writes)`.
   */
  stage(events: Envelope[]): Write[]
  /** Says `writes` have committed: the relay is kicked when they hold rows `stage` gave. */
  staged(writes: readonly Write[]): void
}

type OutboxRow = Required<Pick<typeof outbox.$inferInsert, 'eventId' | 'type' | 'envelope'>>

interface Commit {
  changes: Write[]
  rows: OutboxRow[]
  resolve(): void
  reject(error: unknown): void
}

/** How many commits share one transaction at most, unless `createOutbox` is told otherwise. */
export const maxGroupSize = 1000

/**
 * Group commit: commits requested in the same turn of the event loop share one transaction, since
 * committing costs far more than the statements. Every commit's state change and outbox rows are in
 * that transaction. When the database refuses it (one command breaking a constraint), its commits are
 * retried one by one, so each gets the outcome it would have had alone; any other failure goes to all.
 * A group takes at most `maxGroupSize` commits, in the order requested; the rest make the next group,
 * in the next turn, so a burst neither builds one huge transaction nor holds the event loop for it.
 * With `groupCommit: false` every commit is its own transaction, sent at once by its caller: workerd
 * lets no request wait on a database request another request sent.
 *
 * @param onCommitted called after every commit, to kick the relay so events leave at once.
 * @example
 * const outbox = createOutbox(db, () => relay.kick())
 * await outbox.commit([db.insert(customers).values(row)], [registered])
 */
export function createOutbox(
  db: Db,
  onCommitted: () => void,
  { maxGroup = maxGroupSize, groupCommit = true }: { maxGroup?: number; groupCommit?: boolean } = {},
): Outbox {
  const insertRows = compileInsert<OutboxRow>(
    db.insert(outbox).values(placeholders(outbox, ['eventId', 'type', 'envelope'])),
  )
  const writesOf = (commits: Pick<Commit, 'changes' | 'rows'>[]) => {
    const rows = commits.flatMap((c) => c.rows)
    const changes = commits.flatMap((c) => c.changes)
    return rows.length === 0 ? changes : [...changes, insertRows(rows)]
  }
  const pending: Commit[] = []
  // Which writes are staged rows, so each committed batch is told apart whatever else commits meanwhile.
  const stagedRows = new WeakSet<Write>()

  async function commitPending(): Promise<void> {
    const group = pending.splice(0, maxGroup)
    // The rest make the next group: a turn with commits waiting always has one scheduled.
    if (pending.length > 0) setImmediate(commitPending)
    try {
      await commitWrites(db, writesOf(group))
    } catch (error) {
      // Only a refusal is certain not to have committed; after any other failure (a lost reply from a
      // server) committing again could apply a command twice, so the whole group gets the error.
      if (group.length > 1 && isConstraintViolation(error)) return commitOneByOne(group)
      for (const commit of group) commit.reject(error)
      return
    }
    for (const commit of group) commit.resolve()
    onCommitted()
  }

  async function commitOneByOne(group: Commit[]): Promise<void> {
    for (const commit of group) {
      try {
        await commitWrites(db, writesOf([commit]))
      } catch (error) {
        commit.reject(error)
        continue
      }
      commit.resolve()
      onCommitted()
    }
  }

  const rowsOf = (events: Envelope[]): OutboxRow[] =>
    events.map((e) => ({ eventId: e.id, type: e.type, envelope: JSON.stringify(e) }))

  return {
    stage(events) {
      if (events.length === 0) return []
      const rows = insertRows(rowsOf(events))
      stagedRows.add(rows)
      return [rows]
    },
    staged(writes) {
      if (writes.some((write) => stagedRows.has(write))) onCommitted()
    },
    async commit(changes, events) {
      const rows = rowsOf(events)
      if (!groupCommit) {
        await commitWrites(db, writesOf([{ changes, rows }]))
        return onCommitted()
      }
      return new Promise<void>((resolve, reject) => {
        if (pending.length === 0) setImmediate(commitPending)
        pending.push({ changes, rows, resolve, reject })
      })
    },
  }
}
