import { asc } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { newUuidV7, systemClock } from '../clock.ts'
import type { Envelope } from '../contracts/index.ts'
import { commitWrites } from '../db/statements.ts'
import { events, outbox as outboxTable } from '../db/kernel-schema.ts'
import { toEnvelopes } from '../envelope.ts'
import { createOutbox } from '../outbox/outbox.ts'
import { tempFixtureDatabase } from '../testing/fixture-database.ts'
import { decide, todoList, type AddTodo } from '../testing/todo-list.ts'
import { EventStore, isVersionConflict } from './event-store.ts'
import { reactTo } from './react.ts'

// Another service's event, answered by an aggregate of this one inside the batch that applies it.
const cause: Envelope = toEnvelopes([{ type: 'MemberJoined', version: 1, data: { memberId: 'm-1' } }], {
  stream: 'm-1',
  after: 0,
  metadata: { correlationId: 'corr-1', causationId: 'request-1', actor: 'staff:ann@example.com' },
  clock: systemClock,
  newId: newUuidV7,
})[0]!
const add = (todoId: string): AddTodo => ({
  type: 'AddTodo',
  data: { listId: 'welcome', todoId, text: `Welcome ${todoId}` },
})

async function setup() {
  const { db } = await tempFixtureDatabase()
  let kicks = 0
  const outbox = createOutbox(db, () => kicks++)
  const answer = (
    store: EventStore,
    command: AddTodo,
    decided = (state: Parameters<typeof decide>[1]) => decide(command, state),
  ) =>
    reactTo(cause, {
      store,
      outbox,
      aggregate: todoList,
      streamId: 'welcome',
      decide: decided,
      actor: 'welcomer',
      clock: systemClock,
      newId: newUuidV7,
    })
  const stored = async () =>
    (await db.select().from(events).orderBy(asc(events.position))).map(
      (row) => JSON.parse(row.envelope) as Envelope,
    )
  return { db, outbox, answer, stored, kicks: () => kicks }
}

describe('reactTo: an aggregate answering another service’s event', () => {
  it('gives the writes of the answer, caused by the event, with its outbox rows; the relay is kicked once they commit', async () => {
    const t = await setup()
    const writes = await t.answer(new EventStore(t.db), add('t-1'))
    expect(await t.stored()).toEqual([])
    await commitWrites(t.db, writes)
    expect(t.kicks()).toBe(0)
    t.outbox.staged(writes)
    expect(t.kicks()).toBe(1)

    const answered = await t.stored()
    expect(answered.map((e) => [e.type, e.position])).toEqual([
      ['TodoListOpened', 1],
      ['TodoAdded', 2],
    ])
    for (const event of answered)
      expect(event).toMatchObject({ correlationId: 'corr-1', causationId: cause.id, actor: 'welcomer' })
    const rows = await t.db.select().from(outboxTable).orderBy(asc(outboxTable.seq))
    expect(rows.map((row) => row.eventId)).toEqual(answered.map((e) => e.id))
    // A batch without staged rows (a projection's) kicks nothing.
    t.outbox.staged([])
    expect(t.kicks()).toBe(1)
  })

  it('writes nothing when the aggregate decides nothing', async () => {
    const t = await setup()
    expect(await t.answer(new EventStore(t.db), add('t-1'), () => [])).toEqual([])
  })

  it('fails the batch on the expected version when another writer got in first, and decides anew on the state after it', async () => {
    const t = await setup()
    const [first, second] = [new EventStore(t.db), new EventStore(t.db)]
    const stale = await t.answer(first, add('t-1'))
    await commitWrites(t.db, await t.answer(second, add('t-2')))
    const lost = await commitWrites(t.db, stale).catch((error: unknown) => error)
    expect(isVersionConflict(lost)).toBe(true)

    await commitWrites(t.db, await t.answer(first, add('t-1')))
    expect((await t.stored()).map((e) => [e.type, e.position])).toEqual([
      ['TodoListOpened', 1],
      ['TodoAdded', 2],
      ['TodoAdded', 3],
    ])
  })
})
