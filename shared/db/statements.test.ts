import { asc, eq, sql } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { tempFixtureDatabase } from '../testing/fixture-database.ts'
import { members, sampleMember, todos } from '../testing/todo-schema.ts'
import { commitWrites, compileInsert, maxParameters, placeholders } from './statements.ts'

async function setup() {
  const { client, db } = await tempFixtureDatabase()
  const insertMembers = compileInsert<typeof members.$inferInsert>(
    db.insert(members).values(placeholders(members)).onConflictDoNothing(),
  )
  const upsertText = compileInsert<typeof todos.$inferInsert>(
    db
      .insert(todos)
      .values(placeholders(todos, ['todoId', 'listId', 'text']))
      .onConflictDoUpdate({ target: todos.todoId, set: { text: sql`excluded.text` } }),
  )
  const names = async () =>
    (await db.select().from(members).orderBy(asc(members.memberId))).map((m) => m.name)
  const textOf = async (todoId: string) =>
    db.select({ text: todos.text }).from(todos).where(eq(todos.todoId, todoId))
  return { client, db, insertMembers, upsertText, names, textOf }
}

describe('compiled inserts', () => {
  it('insert any number of rows, with the conflict clause they were compiled with', async () => {
    const t = await setup()

    await commitWrites(t.db, [t.insertMembers([sampleMember('m-1', 'Ann')])])
    await commitWrites(t.db, [
      t.insertMembers([sampleMember('m-1', 'Not Ann'), sampleMember('m-2', 'Bo'), sampleMember('m-3', 'Cy')]),
    ])

    expect(await t.names()).toEqual(['Ann', 'Bo', 'Cy'])
  })

  it('run adjacent rows for the same insert as one statement, applied row by row', async () => {
    const t = await setup()
    const batch = vi.spyOn(t.client, 'batch')

    await commitWrites(t.db, [
      t.insertMembers([sampleMember('m-1', 'Ann')]),
      t.insertMembers([sampleMember('m-2', 'Bo')]),
      t.upsertText([{ todoId: 't-1', listId: 'list-1', text: 'first' }]),
      t.upsertText([{ todoId: 't-1', listId: 'list-1', text: 'second' }]),
    ])

    expect(batch.mock.calls[0]![0]).toHaveLength(2)
    expect(await t.names()).toEqual(['Ann', 'Bo'])
    expect(await t.textOf('t-1')).toEqual([{ text: 'second' }])
  })

  it('gather rows of plain inserts across each other, one statement per insert, but never across an upsert', async () => {
    const t = await setup()
    const batch = vi.spyOn(t.client, 'batch')
    const insertTodo = compileInsert<typeof todos.$inferInsert>(
      t.db.insert(todos).values(placeholders(todos, ['todoId', 'listId', 'text'])),
    )
    const insertMember = compileInsert<typeof members.$inferInsert>(
      t.db.insert(members).values(placeholders(members)),
    )
    await commitWrites(t.db, [
      insertTodo([{ todoId: 't-1', listId: 'list-1', text: 'one' }]),
      insertMember([sampleMember('m-1', 'Ann')]),
      insertTodo([{ todoId: 't-2', listId: 'list-1', text: 'two' }]),
      insertMember([sampleMember('m-2', 'Bo')]),
    ])
    expect(batch.mock.calls[0]![0]).toHaveLength(2)

    await commitWrites(t.db, [
      insertTodo([{ todoId: 't-3', listId: 'list-1', text: 'added' }]),
      t.upsertText([{ todoId: 't-3', listId: 'list-1', text: 'reworded' }]),
      insertTodo([{ todoId: 't-4', listId: 'list-1', text: 'later' }]),
    ])
    expect(batch.mock.calls[1]![0]).toHaveLength(3)
    expect(await t.textOf('t-3')).toEqual([{ text: 'reworded' }])
  })

  it('keep plain inserts into the same table in their order', async () => {
    const t = await setup()
    const batch = vi.spyOn(t.client, 'batch')
    const withText = compileInsert<typeof todos.$inferInsert>(
      t.db.insert(todos).values(placeholders(todos, ['todoId', 'listId', 'text'])),
    )
    const withoutText = compileInsert<typeof todos.$inferInsert>(
      t.db.insert(todos).values(placeholders(todos, ['todoId', 'listId'])),
    )
    await commitWrites(t.db, [
      withText([{ todoId: 't-1', listId: 'list-1', text: 'one' }]),
      withoutText([{ todoId: 't-2', listId: 'list-1' }]),
      withText([{ todoId: 't-3', listId: 'list-1', text: 'three' }]),
    ])

    expect(batch.mock.calls[0]![0]).toHaveLength(3)
    const rows = await t.client.execute('select todo_id from todos order by rowid')
    expect(rows.rows.map((r) => r.todo_id)).toEqual(['t-1', 't-2', 't-3'])
  })

  it('split rows binding more parameters than SQLite takes into several statements of one transaction', async () => {
    const t = await setup()
    const batch = vi.spyOn(t.client, 'batch')
    // Three columns a row: 12,000 rows bind 36,000 parameters, past SQLite's limit of 32,766.
    const rows = Array.from({ length: 12_000 }, (_, i) => sampleMember(`m-${i}`))

    await commitWrites(t.db, [t.insertMembers(rows.slice(0, 8000)), t.insertMembers(rows.slice(8000))])

    const statements = batch.mock.calls[0]![0] as { args: unknown[] }[]
    expect(statements.map((s) => s.args.length)).toEqual([32_766, 3_234])
    expect(Math.max(...statements.map((s) => s.args.length))).toBeLessThanOrEqual(maxParameters)
    expect(await t.db.$count(members)).toBe(12_000)
  })

  it('commit one call with more rows than one statement takes', async () => {
    const t = await setup()
    const rows = Array.from({ length: 12_000 }, (_, i) => sampleMember(`m-${i}`))

    await commitWrites(t.db, [t.insertMembers(rows)])

    expect(await t.db.$count(members)).toBe(12_000)
  })

  it('refuse a conflict clause with values of its own, which rows could not repeat', async () => {
    const t = await setup()
    const upsert = t.db
      .insert(todos)
      .values(placeholders(todos, ['todoId', 'listId', 'text']))
      .onConflictDoUpdate({ target: todos.todoId, set: { text: sql`${sql.placeholder('text')}` } })

    expect(() => compileInsert(upsert)).toThrow(/use excluded.<column>/)
  })

  it('say which value is missing', async () => {
    const t = await setup()
    const { email: _, ...incomplete } = sampleMember('m-1')

    await expect(commitWrites(t.db, [t.insertMembers([incomplete as never])])).rejects.toThrow(
      /No value for "email"/,
    )
  })
})

describe('committing writes', () => {
  it('writes all of them or none', async () => {
    const t = await setup()

    await expect(
      commitWrites(t.db, [
        t.insertMembers([sampleMember('m-1', 'Ann')]),
        t.db.insert(todos).values({ todoId: 't-1', listId: 'list-1' }),
        t.db.insert(todos).values({ todoId: 't-1', listId: 'list-1' }),
      ]),
    ).rejects.toThrow(/UNIQUE constraint failed: todos.todo_id/)

    expect(await t.names()).toEqual([])
    expect(await t.db.select().from(todos)).toEqual([])
  })
})
