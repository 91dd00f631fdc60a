import { count, ne } from 'drizzle-orm'
import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import { newUuidV7, systemClock } from '../clock.ts'
import { isUniqueViolation } from '../db/database.ts'
import { kernelMeta, kernelRequests } from '../db/kernel-schema.ts'
import { commitWrites } from '../db/statements.ts'
import { RuleViolation } from '../errors.ts'
import { createLogger } from '../logger.ts'
import { tempDatabase } from '../testing/temp-database.ts'
import { createApp } from './create-app.ts'
import { answerOnce } from './idempotency.ts'
import { validate } from './validate.ts'

// A tiny service: a "thing" is a row of kernel_meta (its id the key; the database's origin is not one); names are trimmed, as contracts do.
const MakeThing = v.object({
  id: v.optional(v.string()),
  name: v.pipe(v.string(), v.trim()),
  tags: v.optional(v.object({ colour: v.string(), size: v.string() })),
})

async function thingService() {
  const { db } = await tempDatabase('customers')
  const once = answerOnce(db, systemClock)
  const app = createApp({
    logger: createLogger('silent'),
    newId: newUuidV7,
    http: { maxBodyBytes: 10_000 },
  }).post('/things', validate('json', MakeThing), (c) => {
    const body = c.req.valid('json')
    const id = body.id ?? newUuidV7()
    if (body.name === 'explode') throw new Error('not a refusal')
    return once(c, { operation: 'make-thing', command: body, id: body.id }, (record) =>
      commitWrites(db, [
        db.insert(kernelMeta).values({ key: id, value: body.name }),
        ...record({ status: 201, body: { id, name: body.name }, location: `/things/${id}` }),
      ]).catch((error: unknown) => {
        throw isUniqueViolation(error, 'kernel_meta.key')
          ? new RuleViolation('thing-id-taken', 'Taken')
          : error
      }),
    )
  })
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    app.request('/things', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
  const written = async () => ({
    things: (await db.select({ n: count() }).from(kernelMeta).where(ne(kernelMeta.key, 'origin')))[0]!.n,
    records: (await db.select({ n: count() }).from(kernelRequests))[0]!.n,
  })
  return { db, post, written }
}

const answer = async (res: Response) => ({
  status: res.status,
  location: res.headers.get('location'),
  body: await res.json(),
})
type Problem = { type: string; status: number; errors?: { field: string }[] }

describe('a create with the client’s id', () => {
  it('answers an exact repeat with the first status, body and location, marked as replayed, writing nothing', async () => {
    const t = await thingService()
    const first = await t.post({ id: 't-1', name: 'Bolt' })
    const before = await t.written()

    const repeat = await t.post({ id: 't-1', name: 'Bolt' })

    const expected = { status: 201, location: '/things/t-1', body: { id: 't-1', name: 'Bolt' } }
    expect(await answer(first)).toEqual(expected)
    expect(await answer(repeat)).toEqual(expected)
    expect(repeat.headers.get('idempotent-replayed')).toBe('true')
    expect(first.headers.get('idempotent-replayed')).toBeNull()
    expect(await t.written()).toEqual(before)
  })

  it('takes the validated command as the body: spacing the schema trims and the order of keys do not matter', async () => {
    const t = await thingService()
    await t.post({ id: 't-2', name: 'Nut', tags: { colour: 'red', size: 'M' } })
    const before = await t.written()

    const repeat = await t.post('{"tags": {"size": "M", "colour": "red"}, "name": "  Nut ", "id": "t-2"}')

    expect(repeat.status).toBe(201)
    expect(repeat.headers.get('idempotent-replayed')).toBe('true')
    expect(await t.written()).toEqual(before)
  })

  it('refuses the id with another body by the change’s own rule, writing nothing', async () => {
    const t = await thingService()
    await t.post({ id: 't-3', name: 'Washer' })
    const before = await t.written()

    const other = await t.post({ id: 't-3', name: 'Spring' })

    expect(other.status).toBe(409)
    expect(((await other.json()) as Problem).type).toBe('urn:pitstop:rule:thing-id-taken')
    expect(await t.written()).toEqual(before)
  })

  it('makes the thing once for concurrent exact repeats and gives all of them the first answer', async () => {
    const t = await thingService()

    const responses = await Promise.all(Array.from({ length: 6 }, () => t.post({ id: 't-4', name: 'Gear' })))

    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201])
    expect(responses.filter((r) => r.headers.get('idempotent-replayed'))).toHaveLength(5)
    expect(await t.written()).toEqual({ things: 1, records: 1 })
  })

  it('lets an error that is not a refusal through, without reading the record', async () => {
    const t = await thingService()
    expect((await t.post({ id: 't-5', name: 'explode' })).status).toBe(500)
  })
})

describe('a create without an id', () => {
  it('makes a new thing for every request without an Idempotency-Key, recording none', async () => {
    const t = await thingService()
    const [a, b] = [await t.post({ name: 'Pin' }), await t.post({ name: 'Pin' })]

    expect([a.status, b.status]).toEqual([201, 201])
    expect(((await a.json()) as { id: string }).id).not.toBe(((await b.json()) as { id: string }).id)
    expect(await t.written()).toEqual({ things: 2, records: 0 })
  })

  it('answers the same Idempotency-Key and body with the first answer, without a second thing', async () => {
    const t = await thingService()
    const first = await t.post({ name: 'Cog' }, { 'idempotency-key': 'k-1' })
    const before = await t.written()

    const repeat = await t.post({ name: 'Cog' }, { 'idempotency-key': 'k-1' })
    // The draft standard's structured-field form names the same key.
    const quoted = await t.post({ name: 'Cog' }, { 'idempotency-key': '"k-1"' })

    const expected = await answer(first)
    expect(await answer(repeat)).toEqual(expected)
    expect(await answer(quoted)).toEqual(expected)
    expect(await t.written()).toEqual(before)
  })

  it('refuses an Idempotency-Key used before with another body: 409 idempotency-key-reused, nothing written', async () => {
    const t = await thingService()
    await t.post({ name: 'Cam' }, { 'idempotency-key': 'k-2' })
    const before = await t.written()

    const other = await t.post({ name: 'Crank' }, { 'idempotency-key': 'k-2' })

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
    const t = await thingService()

    const res = await t.post({ name: 'Shim' }, { 'idempotency-key': key })

    expect(res.status).toBe(400)
    const problem = (await res.json()) as Problem
    expect(problem.type).toBe('urn:pitstop:problem:invalid-input')
    expect(problem.errors!.map((e) => e.field)).toEqual(['/header/idempotency-key'])
    expect(await t.written()).toEqual({ things: 0, records: 0 })
  })

  it('makes the thing once for concurrent requests with one key', async () => {
    const t = await thingService()

    const responses = await Promise.all(
      Array.from({ length: 5 }, () => t.post({ name: 'Axle' }, { 'idempotency-key': 'k-4' })),
    )

    const bodies = await Promise.all(responses.map((r) => r.json()))
    expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201])
    expect(new Set(bodies.map((b) => (b as { id: string }).id)).size).toBe(1)
    expect(await t.written()).toEqual({ things: 1, records: 1 })
  })
})
