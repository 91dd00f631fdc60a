import { count } from 'drizzle-orm'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { newUuidV7, systemClock } from '../clock.ts'
import { isUniqueViolation, type Db } from '../db/database.ts'
import { events, kernelRequests, outbox as outboxTable } from '../db/kernel-schema.ts'
import { compileInsert, placeholders, type Write } from '../db/statements.ts'
import { toEnvelopes } from '../envelope.ts'
import { RuleViolation } from '../errors.ts'
import { EventStore } from '../event-store/event-store.ts'
import { handleCommand } from '../event-store/handle-command.ts'
import { createLogger } from '../logger.ts'
import { createOutbox } from '../outbox/outbox.ts'
import { tempFixtureDatabase } from '../testing/fixture-database.ts'
import { addTodo, completeTodo, todoList, type TodoEvent, type TodoList } from '../testing/todo-list.ts'
import { members } from '../testing/todo-schema.ts'
import { testTokens } from '../testing/tokens.ts'
import { createApp } from './create-app.ts'
import { answerOnce } from './idempotency.ts'
import { eventMetadata } from './request-context.ts'
import { validate } from './validate.ts'

// The to-do fixture as a service. Joining writes a `members` row and its `MemberJoined` event, as a
// plain create does (the member's id is the key, when the client gives one); names are trimmed, as
// contracts do. Finishing a to-do is an event-sourced change, decided again when it loses on the version.
const JoinBody = v.object({
  memberId: v.optional(v.string()),
  name: v.pipe(v.string(), v.trim()),
  preferences: v.optional(v.object({ language: v.string(), digest: v.string() })),
})
const metadata = { correlationId: 'idempotency-test', causationId: 'idempotency-test', actor: 'test' }

async function memberService() {
  const { db } = await tempFixtureDatabase()
  const outbox = createOutbox(db, () => {})
  const insert = compileInsert<typeof members.$inferInsert>(db.insert(members).values(placeholders(members)))
  const once = answerOnce(db, systemClock)
  // An error the next change meets instead of committing.
  let failure: Error | undefined
  const app = createApp(
    {
      logger: createLogger('silent'),
      newId: newUuidV7,
      http: { maxBodyBytes: 10_000 },
      tokens: testTokens(),
    },
    { 'POST /members': ['anyone'] },
  ).post('/members', validate('json', JoinBody), (c) => {
    const body = c.req.valid('json')
    const member = { memberId: body.memberId ?? newUuidV7(), name: body.name, email: 'ann@example.com' }
    const joined = toEnvelopes([{ type: 'MemberJoined', version: 1, data: member }], {
      stream: member.memberId,
      after: 0,
      metadata: eventMetadata(c),
      clock: systemClock,
      newId: newUuidV7,
    })
    const location = `/members/${member.memberId}`
    return once(c, { operation: 'join', command: body, id: body.memberId }, (record) =>
      (failure ? Promise.reject(failure) : Promise.resolve())
        .then(() =>
          outbox.commit([insert([member]), ...record({ status: 201, body: member, location })], joined),
        )
        .catch((error: unknown) => {
          throw isUniqueViolation(error, 'members.member_id')
            ? new RuleViolation('member-id-taken', 'Taken')
            : error
        }),
    )
  })
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    app.request('/members', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
  return {
    db,
    post,
    written: () => written(db),
    failWith: (error: Error) => {
      failure = error
    },
  }
}

async function written(db: Db) {
  const rows = async (table: typeof members | typeof kernelRequests | typeof outboxTable | typeof events) =>
    (await db.select({ n: count() }).from(table))[0]!.n
  return {
    members: await rows(members),
    events: (await rows(outboxTable)) + (await rows(events)),
    records: await rows(kernelRequests),
  }
}

const answer = async (res: Response) => ({
  status: res.status,
  location: res.headers.get('location'),
  body: await res.json(),
})
type Problem = { type: string; status: number; errors?: { field: string }[] }

describe('a create with the client’s id', () => {
  it('answers an exact repeat with the first status, body and location, marked as replayed, writing nothing', async () => {
    const t = await memberService()
    const first = await t.post({ memberId: 'm-1', name: 'Ann' })
    const before = await t.written()

    const repeat = await t.post({ memberId: 'm-1', name: 'Ann' })

    const expected = {
      status: 201,
      location: '/members/m-1',
      body: { memberId: 'm-1', name: 'Ann', email: 'ann@example.com' },
    }
    expect(await answer(first)).toEqual(expected)
    expect(await answer(repeat)).toEqual(expected)
    expect(repeat.headers.get('idempotent-replayed')).toBe('true')
    expect(first.headers.get('idempotent-replayed')).toBeNull()
    expect(before).toEqual({ members: 1, events: 1, records: 1 })
    expect(await t.written()).toEqual(before)
  })

  it('takes the validated command as the body: spacing the schema trims and the order of keys do not matter', async () => {
    const t = await memberService()
    await t.post({ memberId: 'm-2', name: 'Bo', preferences: { language: 'nl', digest: 'weekly' } })
    const before = await t.written()

    const repeat = await t.post(
      '{"preferences": {"digest": "weekly", "language": "nl"}, "name": "  Bo ", "memberId": "m-2"}',
    )

    expect(repeat.status).toBe(201)
    expect(repeat.headers.get('idempotent-replayed')).toBe('true')
    expect(await t.written()).toEqual(before)
  })

  it('refuses the id with another body by the change’s own rule, writing nothing', async () => {
    const t = await memberService()
    await t.post({ memberId: 'm-3', name: 'Cas' })
    const before = await t.written()

    const other = await t.post({ memberId: 'm-3', name: 'Dirk' })

    expect(other.status).toBe(409)
    expect(await other.json()).toMatchObject({ type: 'urn:pitstop:rule:member-id-taken', status: 409 })
    expect(await t.written()).toEqual(before)
  })

  it('makes the member once for concurrent exact repeats and gives all of them the first answer', async () => {
    const t = await memberService()

    const responses = await Promise.all(
      Array.from({ length: 6 }, () => t.post({ memberId: 'm-4', name: 'Eva' })),
    )

    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201])
    expect(responses.filter((r) => r.headers.get('idempotent-replayed'))).toHaveLength(5)
    expect(await t.written()).toEqual({ members: 1, events: 1, records: 1 })
  })

  it('lets an error that is not a refusal through, without reading the record', async () => {
    const t = await memberService()
    await t.post({ memberId: 'm-5', name: 'Fien' })
    const before = await t.written()
    t.failWith(new Error('disk full'))

    // An exact repeat, whose record would answer 201 if it were read.
    const repeat = await t.post({ memberId: 'm-5', name: 'Fien' })

    expect(repeat.status).toBe(500)
    expect(repeat.headers.get('idempotent-replayed')).toBeNull()
    expect(await t.written()).toEqual(before)
  })
})

describe('a create without an id', () => {
  it('makes a new member for every request without an Idempotency-Key, recording none', async () => {
    const t = await memberService()
    const [a, b] = [await t.post({ name: 'Fem' }), await t.post({ name: 'Fem' })]

    expect([a.status, b.status]).toEqual([201, 201])
    expect(((await a.json()) as { memberId: string }).memberId).not.toBe(
      ((await b.json()) as { memberId: string }).memberId,
    )
    expect(await t.written()).toEqual({ members: 2, events: 2, records: 0 })
  })

  it('answers the same Idempotency-Key and body with the first answer, without a second member', async () => {
    const t = await memberService()
    const first = await t.post({ name: 'Gijs' }, { 'idempotency-key': 'k-1' })
    const before = await t.written()

    const repeat = await t.post({ name: 'Gijs' }, { 'idempotency-key': 'k-1' })
    // The draft standard's structured-field form names the same key.
    const quoted = await t.post({ name: 'Gijs' }, { 'idempotency-key': '"k-1"' })

    const expected = await answer(first)
    expect(await answer(repeat)).toEqual(expected)
    expect(await answer(quoted)).toEqual(expected)
    expect(repeat.headers.get('idempotent-replayed')).toBe('true')
    expect(before).toEqual({ members: 1, events: 1, records: 1 })
    expect(await t.written()).toEqual(before)
  })

  it('refuses an Idempotency-Key used before with another body: 409 idempotency-key-reused, nothing written', async () => {
    const t = await memberService()
    await t.post({ name: 'Hanna' }, { 'idempotency-key': 'k-2' })
    const before = await t.written()

    const other = await t.post({ name: 'Ids' }, { 'idempotency-key': 'k-2' })

    expect(other.status).toBe(409)
    expect(await other.json()).toMatchObject({ type: 'urn:pitstop:rule:idempotency-key-reused', status: 409 })
    expect(await t.written()).toEqual(before)
  })

  it.each([
    ['too long', 'k'.repeat(129)],
    ['with a space', 'my key'],
    ['with a slash', 'a/b'],
    ['empty', ''],
    ['half quoted', '"k-3'],
  ])('refuses an Idempotency-Key %s with 400 naming the header, writing nothing', async (_, key) => {
    const t = await memberService()

    const res = await t.post({ name: 'Jet' }, { 'idempotency-key': key })

    expect(res.status).toBe(400)
    const problem = (await res.json()) as Problem
    expect(problem).toMatchObject({ type: 'urn:pitstop:problem:invalid-input', status: 400 })
    expect(problem.errors!.map((e) => e.field)).toEqual(['/header/idempotency-key'])
    expect(await t.written()).toEqual({ members: 0, events: 0, records: 0 })
  })

  it('makes the member once for concurrent requests with one key', async () => {
    const t = await memberService()

    const responses = await Promise.all(
      Array.from({ length: 5 }, () => t.post({ name: 'Kees' }, { 'idempotency-key': 'k-4' })),
    )

    const bodies = await Promise.all(responses.map((r) => r.json()))
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201])
    expect(new Set(bodies.map((b) => (b as { memberId: string }).memberId)).size).toBe(1)
    expect(await t.written()).toEqual({ members: 1, events: 1, records: 1 })
  })
})

const complete = (state: TodoList, todoId: string) =>
  completeTodo({ type: 'CompleteTodo', data: { listId: 'list-a', todoId } }, state)
const open = (state: TodoList) => (state.status === 'open' ? state.todos.filter((t) => !t.done) : [])

/**
 * A to-do list `list-a` holding `t-1` and `t-2`, and a route that finishes a to-do by `handleCommand`
 * (its decision given by the test), answering with the list after it. The route's store has the list
 * cached; `elsewhere` is another writer, whose change makes the route's first attempt lose on the version.
 */
async function listService(decide: (state: TodoList) => TodoEvent[]) {
  const { db } = await tempFixtureDatabase()
  // How many events each of the route's attempts decided.
  const decided: number[] = []
  const outbox = createOutbox(db, () => {})
  const [store, elsewhere] = [new EventStore(db), new EventStore(db)]
  const execute = (
    on: EventStore,
    decideOn: (state: TodoList) => TodoEvent[],
    answer: (state: TodoList) => Write[] = () => [],
  ) =>
    handleCommand({
      store: on,
      outbox,
      aggregate: todoList,
      streamId: 'list-a',
      decide: decideOn,
      metadata,
      clock: systemClock,
      newId: newUuidV7,
      alsoWrite: (_, state) => answer(state),
    })
  for (const todoId of ['t-1', 't-2'])
    await execute(store, (s) =>
      addTodo({ type: 'AddTodo', data: { listId: 'list-a', todoId, text: todoId } }, s),
    )
  await elsewhere.load('list-a', todoList)

  const once = answerOnce(db, systemClock)
  const app = createApp(
    {
      logger: createLogger('silent'),
      newId: newUuidV7,
      http: { maxBodyBytes: 10_000 },
      tokens: testTokens(),
    },
    { 'PUT /lists/list-a/done': ['anyone'] },
  ).put('/lists/list-a/done', (c) =>
    once(c, { operation: 'finish', command: {}, id: 'list-a' }, (record) =>
      execute(
        store,
        (state) => {
          const events = decide(state)
          decided.push(events.length)
          return events
        },
        (state) => record({ status: 200, body: state }),
      ),
    ),
  )
  return {
    db,
    decided,
    put: () => app.request('/lists/list-a/done', { method: 'PUT' }),
    /** Another writer finishes `todoId`; the route's cached list does not know yet. */
    finishElsewhere: (todoId: string) => execute(elsewhere, (state) => complete(state, todoId)),
  }
}

describe('an event-sourced change decided again after losing on the version', () => {
  it('answers with what the attempt that committed recorded', async () => {
    // Finishes the first open to-do: t-1 on the cached list, t-2 once t-1 is finished elsewhere.
    const t = await listService((state) => complete(state, open(state)[0]!.todoId))
    await t.finishElsewhere('t-1')

    const res = await t.put()

    const [record] = await t.db.select().from(kernelRequests)
    expect(t.decided).toEqual([1, 1])
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ todos: [{ done: true }, { done: true }] })
    expect(JSON.parse(record!.body)).toMatchObject({ todos: [{ done: true }, { done: true }] })
  })

  it('sends no 2xx when the attempt after the lost one decides nothing, for nothing was committed', async () => {
    // Finishes t-1 unless it is finished already: then there is nothing to decide.
    const t = await listService((state) =>
      open(state).some((o) => o.todoId === 't-1') ? complete(state, 't-1') : [],
    )
    await t.finishElsewhere('t-1')
    const before = await written(t.db)

    const res = await t.put()

    expect(t.decided).toEqual([1, 0])
    expect(res.status).toBe(500)
    expect(await written(t.db)).toEqual(before)
    expect(before.records).toBe(0)
  })
})
