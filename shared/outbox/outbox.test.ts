import { asc } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { customers } from '../../workers/customers/schema.ts'
import { newUuidV7, systemClock } from '../clock.ts'
import { outbox as outboxTable } from '../db/kernel-schema.ts'
import { compileInsert, placeholders } from '../db/statements.ts'
import { toEnvelopes } from '../envelope.ts'
import { sampleCustomer } from '../testing/test-host.ts'
import { tempDatabase } from '../testing/temp-database.ts'
import { createOutbox, maxGroupSize } from './outbox.ts'

const metadata = { correlationId: 'outbox-test', causationId: 'outbox-test', actor: 'test' }

/** A migrated customers database and an outbox on it that counts its kicks. */
async function setup() {
  const { client, db } = await tempDatabase('customers')
  let kicks = 0
  const outbox = createOutbox(db, () => kicks++)
  // As the customers service writes them: seven parameters a row.
  const insertCustomers = compileInsert<typeof customers.$inferInsert>(
    db.insert(customers).values(placeholders(customers)),
  )
  const register = (customerId: string, name?: string) => {
    const data = sampleCustomer(customerId, name)
    const events = toEnvelopes([{ type: 'CustomerRegistered', data }], {
      stream: customerId,
      after: 0,
      metadata,
      clock: systemClock,
      newId: newUuidV7,
    })
    return outbox.commit([insertCustomers([data])], events).then(() => events[0]!.id)
  }
  const outboxIds = async () =>
    (await db.select().from(outboxTable).orderBy(asc(outboxTable.seq))).map((row) => row.eventId)
  const customerIds = async () => (await db.select().from(customers)).map((row) => row.customerId).sort()
  return { client, register, outboxIds, customerIds, kicks: () => kicks }
}

describe('the outbox', () => {
  it('commits what is requested in the same turn in one transaction, in order, and kicks the relay once', async () => {
    const t = await setup()
    const batch = vi.spyOn(t.client, 'batch')

    const ids = await Promise.all(['c-1', 'c-2', 'c-3'].map((id) => t.register(id)))

    expect(batch).toHaveBeenCalledTimes(1)
    expect(await t.outboxIds()).toEqual(ids)
    expect(await t.customerIds()).toEqual(['c-1', 'c-2', 'c-3'])
    expect(t.kicks()).toBe(1)
  })

  it('commits thousands requested in one turn in groups of at most 1,000, one after the other', async () => {
    const t = await setup()
    const batch = vi.spyOn(t.client, 'batch')
    // One transaction for all would bind 5,001 × 7 customer parameters, past SQLite's 32,766.
    const customerIds = Array.from({ length: 5001 }, (_, i) => `c-${String(i).padStart(4, '0')}`)

    const ids = await Promise.all(customerIds.map((id) => t.register(id)))

    expect(maxGroupSize).toBe(1000)
    expect(batch).toHaveBeenCalledTimes(6)
    expect(await t.outboxIds()).toEqual(ids)
    expect(await t.customerIds()).toEqual(customerIds)
    expect(t.kicks()).toBe(6)
  })

  it('refuses only the commit that fails when it shares a transaction with others', async () => {
    const t = await setup()
    await t.register('c-2')

    const [first, taken, third] = await Promise.allSettled([
      t.register('c-1'),
      t.register('c-2', 'Someone Else'),
      t.register('c-3'),
    ])

    expect(taken).toMatchObject({ status: 'rejected' })
    expect(String((taken as PromiseRejectedResult).reason)).toMatch(
      /UNIQUE constraint failed: customers.customer_id/,
    )
    expect(first).toMatchObject({ status: 'fulfilled' })
    expect(third).toMatchObject({ status: 'fulfilled' })
    const [, ...committed] = await t.outboxIds()
    expect(committed).toEqual([
      (first as PromiseFulfilledResult<string>).value,
      (third as PromiseFulfilledResult<string>).value,
    ])
    expect(await t.customerIds()).toEqual(['c-1', 'c-2', 'c-3'])
  })

  it('gives the whole group a failure that is not a refusal, without committing anything again', async () => {
    const t = await setup()
    const batch = vi.spyOn(t.client, 'batch')
    // A connection that is gone: unlike a refused constraint, such a failure may leave the outcome in
    // doubt on a server, so committing again could apply a command twice.
    t.client.close()

    const results = await Promise.allSettled(['c-1', 'c-2', 'c-3'].map((id) => t.register(id)))

    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected'])
    expect(batch).toHaveBeenCalledTimes(1)
    expect(t.kicks()).toBe(0)
  })

  it('commits alone what is requested in separate turns', async () => {
    const t = await setup()
    const batch = vi.spyOn(t.client, 'batch')

    await t.register('c-1')
    await t.register('c-2')

    expect(batch).toHaveBeenCalledTimes(2)
    expect(t.kicks()).toBe(2)
  })
})
