import { sqliteTable, text } from 'drizzle-orm/sqlite-core'

// The to-do fixture's tables (see todo-list.ts), created beside the kernel's by `openFixtureDatabase`.

/** A plain table: commands write a row and its `MemberJoined` event together; read models copy it. */
export const members = sqliteTable('members', {
  memberId: text('member_id').primaryKey(),
  name: text('name').notNull(),
  email: text('email').notNull(),
})

/**
 * A read model of the lists' events, one row per to-do. `TodoAdded` and `TodoDone` each write only
 * their own columns, so the row ends the same in whichever order consumers apply them.
 */
export const todos = sqliteTable('todos', {
  todoId: text('todo_id').primaryKey(),
  listId: text('list_id').notNull(),
  text: text('text'),
  doneAt: text('done_at'),
})

/** What a command writing `members` publishes. Not event-sourced, so not part of the to-do list. */
export type MemberJoined = { type: 'MemberJoined'; version: 1; data: typeof members.$inferInsert }

/** A member row, different for every id. */
export const sampleMember = (memberId: string, name = 'Ann de Vries') => ({
  memberId,
  name,
  email: `${memberId}@example.com`,
})

export const memberJoined = (memberId: string, name?: string): MemberJoined => ({
  type: 'MemberJoined',
  version: 1,
  data: sampleMember(memberId, name),
})
