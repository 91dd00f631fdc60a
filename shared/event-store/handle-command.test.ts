import { asc, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { newUuidV7, systemClock } from '../clock.ts'
import type { Envelope } from '../contracts/index.ts'
import { isUniqueViolation, type Db } from '../db/database.ts'
import { events, kernelMeta, outbox as outboxTable } from '../db/kernel-schema.ts'
import { createOutbox } from '../outbox/outbox.ts'
import { tempFixtureDatabase } from '../testing/fixture-database.ts'
import { decide, todoList, type AddTodo } from '../testing/todo-list.ts'
import { EventStore } from './event-store.ts'
import { handleCommand } from './handle-command.ts'

const metadata = { correlationId: 'hook-test', causationId: 'hook-test', actor: 'test' }

const add = (listId: string, todoId: string): AddTodo => ({
  type: 'AddTodo',
  data: { listId, todoId, text: `Do ${todoId}` },
})

/** Claims `claim:<todoId>` for every added to-do: a key unique beyond one aggregate. */
const claims = (db: Db) => (envelopes: Envelope[]) =>
  envelopes
    .filter((e) => e.type === 'TodoAdded')
    .map((e) =>
      db
        .insert(kernelMeta)
        .values({ key: `claim:${(e.data as { todoId: string }).todoId}`, value: e.stream }),
    )

async function setup() {
  const { db } = await tempFixtureDatabase()
  const outbox = createOutbox(db, () => {})
  const execute = (store: EventStore, command: AddTodo) =>
    handleCommand({
      store,
      outbox,
      aggregate: todoList,
      streamId: command.data.listId,
      decide: (state) => decide(command, state),
      metadata,
      clock: systemClock,
      newId: newUuidV7,
      alsoWrite: claims(db),
    })
  const written = async () => ({
    events: (await db.select().from(events).orderBy(asc(events.streamId), asc(events.position))).map(
      (e) => `${e.streamId}/${e.position} ${e.type}`,
    ),
    outbox: (await db.select().from(outboxTable)).length,
    claims: await db.select().from(kernelMeta).where(eq(kernelMeta.key, 'claim:t-1')),
  })
  return { db, execute, written }
}

describe('handleCommand with extra writes', () => {
  it('commits the extra writes in the batch that appends the events', async () => {
    const t = await setup()

    await t.execute(new EventStore(t.db), add('list-a', 't-1'))

    expect(await t.written()).toEqual({
      events: ['list-a/1 TodoListOpened', 'list-a/2 TodoAdded'],
      outbox: 2,
      claims: [{ key: 'claim:t-1', value: 'list-a' }],
    })
  })

  it('gives the extra writes the state after the decided events, so the answer can be recorded with them', async () => {
    const t = await setup()
    const store = new EventStore(t.db)
    const states: unknown[] = []

    const { state } = await handleCommand({
      store,
      outbox: createOutbox(t.db, () => {}),
      aggregate: todoList,
      streamId: 'list-a',
      decide: (current) => decide(add('list-a', 't-1'), current),
      metadata,
      clock: systemClock,
      newId: newUuidV7,
      alsoWrite: (_, after) => {
        states.push(after)
        return []
      },
    })

    expect(states).toEqual([state])
    expect(state).toMatchObject({ status: 'open', todos: [{ todoId: 't-1', done: false }] })
  })

  it('refuses only the command whose extra writes break a constraint, even in one group commit with the other', async () => {
    const t = await setup()
    const store = new EventStore(t.db)
    // Loaded beforehand, so both decide on the cache and reach the outbox in the same turn.
    await store.load('list-a', todoList)
    await store.load('list-b', todoList)

    const [first, second] = await Promise.allSettled([
      t.execute(store, add('list-a', 't-1')),
      t.execute(store, add('list-b', 't-1')),
    ])

    expect(first.status).toBe('fulfilled')
    expect(second.status).toBe('rejected')
    expect(isUniqueViolation((second as PromiseRejectedResult).reason, 'kernel_meta.key')).toBe(true)
    expect(await t.written()).toEqual({
      events: ['list-a/1 TodoListOpened', 'list-a/2 TodoAdded'],
      outbox: 2,
      claims: [{ key: 'claim:t-1', value: 'list-a' }],
    })
    expect((await store.load('list-b', todoList)).version).toBe(0)
  })

  it('decides again on a version conflict, even when the extra writes conflict too', async () => {
    const t = await setup()
    // Two stores that both decide on version 0 of one list: one of them must lose on the version.
    const stores = [new EventStore(t.db), new EventStore(t.db)]
    for (const store of stores) await store.load('list-a', todoList)

    const outcomes = await Promise.allSettled(stores.map((s) => t.execute(s, add('list-a', 't-1'))))

    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    // Decided again on the winner's list, the loser breaks the list's own rule.
    expect(refused.map((o) => (o.reason as { rule?: string }).rule)).toEqual(['todo-id-unique'])
    expect((await t.written()).events).toHaveLength(2)
  })
})
