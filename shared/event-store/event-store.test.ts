import { asc, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { newUuidV7, systemClock, type NewId } from '../clock.ts'
import type { Db } from '../db/database.ts'
import { events, outbox as outboxTable, snapshots } from '../db/kernel-schema.ts'
import { toEnvelopes } from '../envelope.ts'
import { RuleViolation } from '../errors.ts'
import { createOutbox } from '../outbox/outbox.ts'
import { tempFixtureDatabase } from '../testing/fixture-database.ts'
import {
  decide,
  evolve,
  initialState,
  todoList,
  type AddTodo,
  type CompleteTodo,
  type TodoCommand,
  type TodoEvent,
  type TodoList,
} from '../testing/todo-list.ts'
import { EventStore, isVersionConflict, type Aggregate } from './event-store.ts'
import { handleCommand } from './handle-command.ts'

const listId = 'list-1'
const metadata = { correlationId: 'store-test', causationId: 'store-test', actor: 'test' }

const add = (todoId: string): AddTodo => ({ type: 'AddTodo', data: { listId, todoId, text: `Do ${todoId}` } })
const complete = (todoId: string): CompleteTodo => ({ type: 'CompleteTodo', data: { listId, todoId } })

/** A database with the kernel's tables, with an outbox and an event store on it. */
async function setup() {
  const { db } = await tempFixtureDatabase()
  let kicks = 0
  const outbox = createOutbox(db, () => kicks++)
  const store = new EventStore(db)

  const eventRows = () =>
    db.select().from(events).where(eq(events.streamId, listId)).orderBy(asc(events.position))
  const outboxIds = async () =>
    (await db.select().from(outboxTable).orderBy(asc(outboxTable.seq))).map((r) => r.eventId)
  /** The list rebuilt from every event in the events table, ignoring snapshots. */
  const replay = async (upTo = Infinity) =>
    (await eventRows())
      .filter((row) => row.position <= upTo)
      .map((row) => JSON.parse(row.envelope) as TodoEvent)
      .reduce(evolve, initialState())

  const execute = (
    command: TodoCommand,
    options: { store?: EventStore; retries?: number; newId?: NewId; onDecide?: () => void } = {},
  ) =>
    handleCommand({
      store: options.store ?? store,
      outbox,
      aggregate: todoList,
      streamId: listId,
      decide: (state) => {
        options.onDecide?.()
        return decide(command, state)
      },
      metadata,
      clock: systemClock,
      newId: options.newId ?? newUuidV7,
      retries: options.retries,
    })

  return { db, outbox, store, eventRows, outboxIds, replay, execute, kicks: () => kicks }
}

/** Envelopes for `domainEvents`, numbered after `version`, and the state they lead to from `state`. */
function wrapped(domainEvents: TodoEvent[], state: TodoList, version: number) {
  const envelopes = toEnvelopes(domainEvents, {
    stream: listId,
    after: version,
    metadata,
    clock: systemClock,
    newId: newUuidV7,
  })
  return { envelopes, next: domainEvents.reduce(evolve, state) }
}

/** Envelopes for what `command` decides on `state`, numbered after `version`. */
const decided = (command: TodoCommand, state: TodoList, version: number) =>
  wrapped(decide(command, state), state, version)

/** Holds the first `writers` loads until all of them have loaded, so they all decide on the same version. */
class SameVersionStore extends EventStore {
  private held: (() => void)[] = []

  constructor(
    db: Db,
    private waitingFor: number,
  ) {
    super(db)
  }

  override async load<TState, TEvent extends { type: string; data: unknown }>(
    streamId: string,
    aggregate: Aggregate<TState, TEvent>,
    options?: { trustCache?: boolean },
  ) {
    const loaded = await super.load(streamId, aggregate, options)
    if (this.waitingFor > 0 && --this.waitingFor > 0)
      await new Promise<void>((resolve) => this.held.push(resolve))
    else for (const release of this.held.splice(0)) release()
    return loaded
  }
}

describe('the event store', () => {
  it('appends events after the expected version and loads the state and version back', async () => {
    const t = await setup()
    const first = decided(add('t-1'), initialState(), 0)
    await t.outbox.commit(t.store.append(listId, 0, first.envelopes, first.next), first.envelopes)
    expect(await t.store.load(listId, todoList)).toEqual({ state: first.next, version: 2 })

    const second = decided(add('t-2'), first.next, 2)
    await t.outbox.commit(t.store.append(listId, 2, second.envelopes, second.next), second.envelopes)

    const { state, version } = await t.store.load(listId, todoList)
    expect(version).toBe(3)
    expect(state).toEqual(second.next)
    expect(state).toMatchObject({ status: 'open', listId, todos: [{ todoId: 't-1' }, { todoId: 't-2' }] })
    const rows = await t.eventRows()
    expect(rows.map((r) => [r.position, r.type])).toEqual([
      [1, 'TodoListOpened'],
      [2, 'TodoAdded'],
      [3, 'TodoAdded'],
    ])
    expect(rows.map((r) => JSON.parse(r.envelope))).toEqual([...first.envelopes, ...second.envelopes])
  })

  it('loads an aggregate without events as its initial state at version 0', async () => {
    const t = await setup()
    expect(await t.store.load('list-never-used', todoList)).toEqual({
      state: { status: 'empty' },
      version: 0,
    })
  })

  it('refuses a second append at the same expected version and writes none of it', async () => {
    const t = await setup()
    const winner = decided(add('t-1'), initialState(), 0)
    const loser = decided(add('t-2'), initialState(), 0)
    await t.outbox.commit(t.store.append(listId, 0, winner.envelopes, winner.next), winner.envelopes)

    const error = await t.outbox
      .commit(t.store.append(listId, 0, loser.envelopes, loser.next), loser.envelopes)
      .then(
        () => undefined,
        (e: unknown) => e,
      )

    expect(isVersionConflict(error)).toBe(true)
    const winnerIds = winner.envelopes.map((e) => e.id)
    expect((await t.eventRows()).map((r) => r.eventId)).toEqual(winnerIds)
    expect(await t.outboxIds()).toEqual(winnerIds)
    expect(t.kicks()).toBe(1)
    expect(await t.store.load(listId, todoList)).toEqual({ state: winner.next, version: 2 })
  })

  it('does not take other unique violations for a version conflict', async () => {
    const t = await setup()
    const first = decided(add('t-1'), initialState(), 0)
    await t.outbox.commit(t.store.append(listId, 0, first.envelopes, first.next), first.envelopes)

    // The same envelopes again, at free positions: only the event ids collide.
    const error = await t.outbox
      .commit(t.store.append(listId, 2, first.envelopes, first.next), first.envelopes)
      .then(
        () => undefined,
        (e: unknown) => e,
      )

    expect(error).toBeInstanceOf(Error)
    expect(isVersionConflict(error)).toBe(false)
    expect(await t.eventRows()).toHaveLength(2)
  })

  it('snapshots every 25 events and loads from the snapshot exactly what a full replay gives', async () => {
    const t = await setup()
    for (let n = 0; n < 30; n++) await t.execute(add(`t-${n}`))
    expect(await t.db.select().from(snapshots)).toMatchObject([{ streamId: listId, position: 25 }])
    for (let n = 0; n < 20; n++) await t.execute(complete(`t-${n}`))

    const [snapshot, ...others] = await t.db.select().from(snapshots)
    expect(others).toEqual([])
    expect(snapshot).toMatchObject({ streamId: listId, position: 50 })
    expect(JSON.parse(snapshot!.state)).toEqual(await t.replay(50))

    let evolved = 0
    const counting = {
      initialState,
      evolve: (state: TodoList, event: TodoEvent) => {
        evolved++
        return evolve(state, event)
      },
    }
    // A fresh store, as after a restart: nothing cached, so the load starts from the snapshot.
    const loaded = await new EventStore(t.db).load(listId, counting)
    const replayed = await t.replay()
    expect(loaded).toEqual({ state: replayed, version: 51 })
    expect(evolved).toBe(1) // only the event after the snapshot
    expect(replayed).toMatchObject({ status: 'open' })
    if (replayed.status !== 'open') return
    expect(replayed.todos).toHaveLength(30)
    expect(replayed.todos.filter((todo) => todo.done)).toHaveLength(20)
  })

  it('catches up when another writer appended after this store cached the aggregate', async () => {
    const t = await setup()
    const mine = new EventStore(t.db)
    const theirs = new EventStore(t.db)
    const first = decided(add('t-1'), initialState(), 0)
    await t.outbox.commit(mine.append(listId, 0, first.envelopes, first.next), first.envelopes)
    expect((await mine.load(listId, todoList)).version).toBe(2)
    const loaded = await theirs.load(listId, todoList)
    const second = decided(add('t-2'), loaded.state, loaded.version)
    await t.outbox.commit(theirs.append(listId, 2, second.envelopes, second.next), second.envelopes)
    expect(await mine.load(listId, todoList)).toEqual({ state: await t.replay(), version: 3 })
  })

  it('snapshots when a multi-event append passes a multiple of its interval without ending on one', async () => {
    const t = await setup()
    const store = new EventStore(t.db, 2)
    const [opened, added] = decide(add('t-1'), initialState())
    const first = wrapped([opened!], initialState(), 0)
    const second = wrapped([added!, ...decide(add('t-2'), first.next)], first.next, 1)
    await t.outbox.commit(store.append(listId, 0, first.envelopes, first.next), first.envelopes)
    expect(await t.db.select().from(snapshots)).toEqual([])

    await t.outbox.commit(store.append(listId, 1, second.envelopes, second.next), second.envelopes)

    // From 1 to 3 passes 2: a snapshot of the state at 3, where the append ends.
    const [snapshot, ...others] = await t.db.select().from(snapshots)
    expect(others).toEqual([])
    expect(snapshot).toMatchObject({ streamId: listId, position: 3 })
    expect(JSON.parse(snapshot!.state)).toEqual(await t.replay(3))
    expect(await store.load(listId, todoList)).toEqual({ state: await t.replay(), version: 3 })
  })
})

describe('handling a command', () => {
  it('decides again on the new state when another writer got in first, and both succeed', async () => {
    const t = await setup()
    const store = new SameVersionStore(t.db, 2)
    let decisions = 0
    const onDecide = () => decisions++

    const [a, b] = await Promise.all([
      t.execute(add('t-a'), { store, onDecide }),
      t.execute(add('t-b'), { store, onDecide }),
    ])

    expect(decisions).toBe(3) // two on version 0, and the loser once more on version 2
    const positions = [...a.events, ...b.events].map((e) => e.position).sort()
    expect(positions).toEqual([1, 2, 3])
    expect([a.version, b.version].sort()).toEqual([2, 3])
    const rows = await t.eventRows()
    expect(rows.map((r) => r.position)).toEqual([1, 2, 3])
    expect(rows.filter((r) => r.type === 'TodoListOpened')).toHaveLength(1)
    expect(await t.outboxIds()).toEqual(rows.map((r) => r.eventId))
    const { state } = await t.store.load(listId, todoList)
    expect(state).toEqual(await t.replay())
    expect(state.status === 'open' && state.todos.map((todo) => todo.todoId).sort()).toEqual(['t-a', 't-b'])
  })

  it('gives every one of several concurrent writers its own positions', async () => {
    const t = await setup()
    const store = new SameVersionStore(t.db, 5)

    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => t.execute(add(`t-${i}`), { store })),
    )

    const positions = results.flatMap((r) => r.events.map((e) => e.position)).sort((x, y) => x - y)
    expect(positions).toEqual([1, 2, 3, 4, 5, 6])
    const rows = await t.eventRows()
    expect(rows.map((r) => r.eventId).sort()).toEqual(
      results.flatMap((r) => r.events.map((e) => e.id)).sort(),
    )
    expect(await t.outboxIds()).toEqual(rows.map((r) => r.eventId))
  })

  it('applies the rules again on the new state, so a concurrent writer never causes a lost update', async () => {
    const t = await setup()
    const store = new SameVersionStore(t.db, 2)

    const [a, b] = await Promise.allSettled([
      t.execute(add('t-1'), { store }),
      t.execute(add('t-1'), { store }),
    ])

    expect([a, b].filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const [lost] = [a, b].filter((r) => r.status === 'rejected')
    expect(lost?.reason).toMatchObject({ rule: 'todo-id-unique' })
    expect(await t.eventRows()).toHaveLength(2)
    expect(await t.outboxIds()).toHaveLength(2)
  })

  it('decides on the cached state and, when another writer got in first, again on what the store holds', async () => {
    const t = await setup()
    const mine = new EventStore(t.db)
    const theirs = new EventStore(t.db)
    await t.execute(add('t-1'), { store: mine })
    await t.execute(add('t-2'), { store: theirs })
    let decisions = 0

    // `mine` still holds version 2: the append built on it loses to the one at position 3.
    const result = await t.execute(add('t-3'), { store: mine, onDecide: () => decisions++ })

    expect(decisions).toBe(2)
    expect(result.events.map((e) => e.position)).toEqual([4])
    expect((await t.eventRows()).map((r) => r.position)).toEqual([1, 2, 3, 4])
    expect(await mine.load(listId, todoList)).toEqual({ state: await t.replay(), version: 4 })
  })

  it('checks a refusal decided on the cached state against what the store holds', async () => {
    const t = await setup()
    const mine = new EventStore(t.db)
    const theirs = new EventStore(t.db)
    await t.execute(add('t-1'), { store: mine })
    await t.execute(add('t-2'), { store: theirs })

    // `mine` has never seen t-2; the store has.
    const result = await t.execute(complete('t-2'), { store: mine })

    expect(result.events.map((e) => [e.type, e.position])).toEqual([['TodoDone', 4]])
    let decisions = 0
    await expect(t.execute(complete('t-9'), { store: mine, onDecide: () => decisions++ })).rejects.toThrow(
      /No to-do t-9/,
    )
    expect(decisions).toBe(2) // refused on the cached state, and again on what the store holds
  })

  it("refuses with 'concurrent-write' once another writer has won every retry, writing nothing", async () => {
    const t = await setup()
    const store = new SameVersionStore(t.db, 2)

    const [a, b] = await Promise.allSettled([
      t.execute(add('t-a'), { store, retries: 0 }),
      t.execute(add('t-b'), { store, retries: 0 }),
    ])

    const won = [a, b].filter((r) => r.status === 'fulfilled')
    const lost = [a, b].filter((r) => r.status === 'rejected')
    expect(won).toHaveLength(1)
    expect(lost).toHaveLength(1)
    expect(lost[0]!.reason).toBeInstanceOf(RuleViolation)
    expect(lost[0]!.reason).toMatchObject({ rule: 'concurrent-write', status: 409 })
    const rows = await t.eventRows()
    expect(rows.map((r) => r.eventId)).toEqual(won[0]!.value.events.map((e) => e.id))
    expect(await t.outboxIds()).toEqual(rows.map((r) => r.eventId))
  })

  it('writes each event and its outbox row in the same batch', async () => {
    const t = await setup()
    const result = await t.execute(add('t-1'))
    await t.execute(add('t-2'))
    await t.execute(complete('t-1'))

    const rows = await t.eventRows()
    expect(rows).toHaveLength(4)
    expect(await t.outboxIds()).toEqual(rows.map((r) => r.eventId))
    expect(result.events.map((e) => e.position)).toEqual([1, 2])
    expect(t.kicks()).toBe(3)
  })

  it('rolls the events back when their outbox row cannot be written', async () => {
    const t = await setup()
    await t.execute(add('t-1'))
    const taken = newUuidV7()
    await t.db.insert(outboxTable).values({ eventId: taken, type: 'Stray', envelope: '{}' })

    await expect(t.execute(add('t-2'), { newId: () => taken })).rejects.toThrow(
      /UNIQUE constraint failed: outbox.event_id/,
    )

    expect(await t.eventRows()).toHaveLength(2)
    expect(await t.store.load(listId, todoList)).toMatchObject({ version: 2 })
  })

  it('writes nothing when the decision refuses the command', async () => {
    const t = await setup()
    await t.execute(add('t-1'))

    await expect(t.execute(add('t-1'))).rejects.toMatchObject({ rule: 'todo-id-unique' })

    expect(await t.eventRows()).toHaveLength(2)
    expect(await t.outboxIds()).toHaveLength(2)
  })
})
