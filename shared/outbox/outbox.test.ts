import { asc } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { newUuidV7, systemClock } from '../clock.ts'
import { outbox as outboxTable } from '../db/kernel-schema.ts'
import { compileInsert, placeholders } from '../db/statements.ts'
import { toEnvelopes } from '../envelope.ts'
import { tempFixtureDatabase } from '../testing/fixture-database.ts'
import { memberJoined, members } from '../testing/todo-schema.ts'
import { createOutbox, maxGroupSize } from './outbox.ts'

const metadata = { correlationId: 'outbox-test', causationId: 'outbox-test', actor: 'test' }

/** A database with the kernel's tables and an outbox on it that counts its kicks. */
async function setup(options?: Parameters<typeof createOutbox>[2]) {
  const { client, db } = await tempFixtureDatabase()
  let kicks = 0
  const outbox = createOutbox(db, () => kicks++, options)
  // As a service writes its rows: one compiled insert, so a group's rows share statements.
  const insertMembers = compileInsert<typeof members.$inferInsert>(
    db.insert(members).values(placeholders(members)),
  )
  /** A command: the member's row and its `MemberJoined` event, committed through the outbox. */
  const register = (memberId: string, name?: string) => {
    const joined = memberJoined(memberId, name)
    const events = toEnvelopes([joined], {
      stream: memberId,
      after: 0,
      metadata,
      clock: systemClock,
      newId: newUuidV7,
    })
    return outbox.commit([insertMembers([joined.data])], events).then(() => events[0]!.id)
  }
  const outboxIds = async () =>
    (await db.select().from(outboxTable).orderBy(asc(outboxTable.seq))).map((row) => row.eventId)
  const memberIds = async () => (await db.select().from(members)).map((row) => row.memberId).sort()
  return { client, register, outboxIds, memberIds, kicks: () => kicks }
}

describe('the outbox', () => {
  it('commits what is requested in the same turn in one transaction, in order, and kicks the relay once', async () => {
    const t = await setup()
    const batch = vi.spyOn(t.client, 'batch')

    const ids = await Promise.all(['m-1', 'm-2', 'm-3'].map((id) => t.register(id)))

    expect(batch).toHaveBeenCalledTimes(1)
    expect(await t.outboxIds()).toEqual(ids)
    expect(await t.memberIds()).toEqual(['m-1', 'm-2', 'm-3'])
    expect(t.kicks()).toBe(1)
  })

  it('commits each in a transaction of its own, sent by its caller, when group commit is off', async () => {
    const t = await setup({ groupCommit: false })
    const batch = vi.spyOn(t.client, 'batch')

    const pending = ['m-1', 'm-2', 'm-3'].map((id) => t.register(id))
    // Sent before the caller's turn ends: nothing waits for a later turn, which may be another request's.
    const sentAtOnce = batch.mock.calls.length
    const ids = await Promise.all(pending)

    expect(sentAtOnce).toBe(3)
    expect(batch).toHaveBeenCalledTimes(3)
    expect(await t.outboxIds()).toEqual(ids)
    expect(await t.memberIds()).toEqual(['m-1', 'm-2', 'm-3'])
    expect(t.kicks()).toBe(3)
  })

  it('commits thousands requested in one turn in groups of at most 1,000, one after the other', async () => {
    const t = await setup()
    const batch = vi.spyOn(t.client, 'batch')
    // One transaction for all would hold 5,001 commands and the event loop for as long as it took.
    const memberIds = Array.from({ length: 5001 }, (_, i) => `m-${String(i).padStart(4, '0')}`)

    const ids = await Promise.all(memberIds.map((id) => t.register(id)))

    expect(maxGroupSize).toBe(1000)
    expect(batch).toHaveBeenCalledTimes(6)
    expect(await t.outboxIds()).toEqual(ids)
    expect(await t.memberIds()).toEqual(memberIds)
    expect(t.kicks()).toBe(6)
  })

  it('refuses only the commit that fails when it shares a transaction with others', async () => {
    const t = await setup()
    await t.register('m-2')

    const [first, taken, third] = await Promise.allSettled([
      t.register('m-1'),
      t.register('m-2', 'Someone Else'),
      t.register('m-3'),
    ])

    expect(taken).toMatchObject({ status: 'rejected' })
    expect(String((taken as PromiseRejectedResult).reason)).toMatch(
      /UNIQUE constraint failed: members.member_id/,
    )
    expect(first).toMatchObject({ status: 'fulfilled' })
    expect(third).toMatchObject({ status: 'fulfilled' })
    const [, ...committed] = await t.outboxIds()
    expect(committed).toEqual([
      (first as PromiseFulfilledResult<string>).value,
      (third as PromiseFulfilledResult<string>).value,
    ])
    expect(await t.memberIds()).toEqual(['m-1', 'm-2', 'm-3'])
  })

  it('gives the whole group a failure that is not a refusal, without committing anything again', async () => {
    const t = await setup()
    const batch = vi.spyOn(t.client, 'batch')
    // A connection that is gone: unlike a refused constraint, such a failure may leave the outcome in
    // doubt on a server, so committing again could apply a command twice.
    t.client.close()

    const results = await Promise.allSettled(['m-1', 'm-2', 'm-3'].map((id) => t.register(id)))

    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected'])
    expect(batch).toHaveBeenCalledTimes(1)
    expect(t.kicks()).toBe(0)
  })

  it('commits alone what is requested in separate turns', async () => {
    const t = await setup()
    const batch = vi.spyOn(t.client, 'batch')

    await t.register('m-1')
    await t.register('m-2')

    expect(batch).toHaveBeenCalledTimes(2)
    expect(t.kicks()).toBe(2)
  })
})
