import { sql } from 'drizzle-orm'
import type { EventHandler } from '../consumer/consumer-group.ts'
import type { Envelope } from '../contracts/envelope.ts'
import type { Db } from '../db/database.ts'
import { compileInsert, placeholders } from '../db/statements.ts'
import type { TodoEvent } from './todo-list.ts'
import { members, todos, type MemberJoined } from './todo-schema.ts'

/**
 * The to-do fixture's read model, built the way services build theirs: members copied from their
 * stream, one row per to-do from the lists' streams. Every statement is an insert or an upsert of the
 * columns its event owns, so several consumers may apply the events in any order.
 *
 * @example
 * new ConsumerGroup({ db, handle: todoReadModel(db), readModel: [members, todos], ... })
 */
export function todoReadModel(db: Db): EventHandler {
  const insertMember = compileInsert<typeof members.$inferInsert>(
    db.insert(members).values(placeholders(members)).onConflictDoNothing(),
  )
  const upsertTodo = (column: 'text' | 'doneAt') =>
    compileInsert<typeof todos.$inferInsert>(
      db
        .insert(todos)
        .values(placeholders(todos, ['todoId', 'listId', column]))
        .onConflictDoUpdate({
          target: todos.todoId,
          set: { [column]: sql`excluded.${sql.identifier(todos[column].name)}` },
        }),
    )
  const upsertText = upsertTodo('text')
  const upsertDone = upsertTodo('doneAt')

  return function project(envelope: Envelope) {
    const event = envelope as Envelope & (TodoEvent | MemberJoined)
    switch (event.type) {
      case 'MemberJoined':
        return [insertMember([event.data])]
      case 'TodoAdded':
        return [upsertText([event.data])]
      case 'TodoDone':
        return [upsertDone([{ ...event.data, doneAt: event.occurredAt }])]
      default:
        return []
    }
  }
}
