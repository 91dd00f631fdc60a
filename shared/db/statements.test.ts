import { asc, eq, sql } from 'drizzle-orm'
import { describe, expect, it, vi } from 'vitest'
import { jobs, refCustomers } from '../../workers/workshop/schema.ts'
import { sampleCustomer } from '../testing/test-host.ts'
import { tempDatabase } from '../testing/temp-database.ts'
import { commitWrites, compileInsert, maxParameters, placeholders } from './statements.ts'

async function setup() {
  const { client, db } = await tempDatabase('workshop')
  const insertCustomers = compileInsert<typeof refCustomers.$inferInsert>(
    db.insert(refCustomers).values(placeholders(refCustomers)).onConflictDoNothing(),
  )
  const upsertNotes = compileInsert<typeof jobs.$inferInsert>(
    db
      .insert(jobs)
      .values(placeholders(jobs, ['jobId', 'date', 'notes']))
      .onConflictDoUpdate({ target: jobs.jobId, set: { notes: sql`excluded.notes` } }),
  )
  const names = async () =>
    (await db.select().from(refCustomers).orderBy(asc(refCustomers.customerId))).map((c) => c.name)
  return { client, db, insertCustomers, upsertNotes, names }
}

describe('compiled inserts', () => {
  it('insert any number of rows, with the conflict clause they were compiled with', async () => {
    const t = await setup()

    await commitWrites(t.db, [t.insertCustomers([sampleCustomer('c-1', 'Ann')])])
    await commitWrites(t.db, [
      t.insertCustomers([
        sampleCustomer('c-1', 'Not Ann'),
        sampleCustomer('c-2', 'Bo'),
        sampleCustomer('c-3', 'Cy'),
      ]),
    ])

    expect(await t.names()).toEqual(['Ann', 'Bo', 'Cy'])
  })

  it('run adjacent rows for the same insert as one statement, applied row by row', async () => {
    const t = await setup()
    const batch = vi.spyOn(t.client, 'batch')

    await commitWrites(t.db, [
      t.insertCustomers([sampleCustomer('c-1', 'Ann')]),
      t.insertCustomers([sampleCustomer('c-2', 'Bo')]),
      t.upsertNotes([{ jobId: 'j-1', date: '2030-01-01', notes: 'first' }]),
      t.upsertNotes([{ jobId: 'j-1', date: '2030-01-01', notes: 'second' }]),
    ])

    expect(batch.mock.calls[0]![0]).toHaveLength(2)
    expect(await t.names()).toEqual(['Ann', 'Bo'])
    expect(await t.db.select({ notes: jobs.notes }).from(jobs).where(eq(jobs.jobId, 'j-1'))).toEqual([
      { notes: 'second' },
    ])
  })

  it('gather rows of plain inserts across each other, one statement per insert, but never across an upsert', async () => {
    const t = await setup()
    const batch = vi.spyOn(t.client, 'batch')
    const insertJob = compileInsert<typeof jobs.$inferInsert>(
      t.db.insert(jobs).values(placeholders(jobs, ['jobId', 'date', 'notes'])),
    )
    const insertCustomer = compileInsert<typeof refCustomers.$inferInsert>(
      t.db.insert(refCustomers).values(placeholders(refCustomers)),
    )
    await commitWrites(t.db, [
      insertJob([{ jobId: 'j-1', date: '2030-01-01', notes: 'one' }]),
      insertCustomer([sampleCustomer('c-1', 'Ann')]),
      insertJob([{ jobId: 'j-2', date: '2030-01-01', notes: 'two' }]),
      insertCustomer([sampleCustomer('c-2', 'Bo')]),
    ])
    expect(batch.mock.calls[0]![0]).toHaveLength(2)

    await commitWrites(t.db, [
      insertJob([{ jobId: 'j-3', date: '2030-01-01', notes: 'planned' }]),
      t.upsertNotes([{ jobId: 'j-3', date: '2030-01-01', notes: 'finished' }]),
      insertJob([{ jobId: 'j-4', date: '2030-01-01', notes: 'later' }]),
    ])
    expect(batch.mock.calls[1]![0]).toHaveLength(3)
    expect(await t.db.select({ notes: jobs.notes }).from(jobs).where(eq(jobs.jobId, 'j-3'))).toEqual([
      { notes: 'finished' },
    ])
  })

  it('keep plain inserts into the same table in their order', async () => {
    const t = await setup()
    const batch = vi.spyOn(t.client, 'batch')
    const withNotes = compileInsert<typeof jobs.$inferInsert>(
      t.db.insert(jobs).values(placeholders(jobs, ['jobId', 'date', 'notes'])),
    )
    const withoutNotes = compileInsert<typeof jobs.$inferInsert>(
      t.db.insert(jobs).values(placeholders(jobs, ['jobId', 'date'])),
    )
    await commitWrites(t.db, [
      withNotes([{ jobId: 'j-1', date: '2030-01-01', notes: 'one' }]),
      withoutNotes([{ jobId: 'j-2', date: '2030-01-01' }]),
      withNotes([{ jobId: 'j-3', date: '2030-01-01', notes: 'three' }]),
    ])

    expect(batch.mock.calls[0]![0]).toHaveLength(3)
    const rows = await t.client.execute('select job_id from jobs order by rowid')
    expect(rows.rows.map((r) => r.job_id)).toEqual(['j-1', 'j-2', 'j-3'])
  })

  it('split rows binding more parameters than SQLite takes into several statements of one transaction', async () => {
    const t = await setup()
    const batch = vi.spyOn(t.client, 'batch')
    // Seven columns a row: 5,000 rows bind 35,000 parameters, past SQLite's limit of 32,766.
    const rows = Array.from({ length: 5000 }, (_, i) => sampleCustomer(`c-${i}`))

    await commitWrites(t.db, [t.insertCustomers(rows.slice(0, 4000)), t.insertCustomers(rows.slice(4000))])

    const statements = batch.mock.calls[0]![0] as { args: unknown[] }[]
    expect(statements.map((s) => s.args.length)).toEqual([32_760, 2_240])
    expect(Math.max(...statements.map((s) => s.args.length))).toBeLessThanOrEqual(maxParameters)
    expect(await t.db.$count(refCustomers)).toBe(5000)
  })

  it('commit one call with more rows than one statement takes', async () => {
    const t = await setup()
    const rows = Array.from({ length: 5000 }, (_, i) => sampleCustomer(`c-${i}`))

    await commitWrites(t.db, [t.insertCustomers(rows)])

    expect(await t.db.$count(refCustomers)).toBe(5000)
  })

  it('refuse a conflict clause with values of its own, which rows could not repeat', async () => {
    const t = await setup()
    const upsert = t.db
      .insert(jobs)
      .values(placeholders(jobs, ['jobId', 'date', 'notes']))
      .onConflictDoUpdate({ target: jobs.jobId, set: { notes: sql`${sql.placeholder('notes')}` } })

    expect(() => compileInsert(upsert)).toThrow(/use excluded.<column>/)
  })

  it('say which value is missing', async () => {
    const t = await setup()
    const { emailAddress: _, ...incomplete } = sampleCustomer('c-1')

    await expect(commitWrites(t.db, [t.insertCustomers([incomplete as never])])).rejects.toThrow(
      /No value for "emailAddress"/,
    )
  })
})

describe('committing writes', () => {
  it('writes all of them or none', async () => {
    const t = await setup()

    await expect(
      commitWrites(t.db, [
        t.insertCustomers([sampleCustomer('c-1', 'Ann')]),
        t.db.insert(jobs).values({ jobId: 'j-1', date: '2030-01-01' }),
        t.db.insert(jobs).values({ jobId: 'j-1', date: '2030-01-01' }),
      ]),
    ).rejects.toThrow(/UNIQUE constraint failed: jobs.job_id/)

    expect(await t.names()).toEqual([])
    expect(await t.db.select().from(jobs)).toEqual([])
  })
})
