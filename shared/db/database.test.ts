import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { connectDatabase, openDatabase, type Database } from './database.ts'

/** A fresh directory for the test's database file, removed when the test finishes. */
async function tempFile() {
  const dir = await mkdtemp(join(tmpdir(), 'pitstop-database-'))
  onTestFinished(() => rm(dir, { recursive: true, force: true }))
  return `file:${join(dir, 'customers.db')}`
}

/** `PRAGMA synchronous` as SQLite reports it: 2 is FULL, 1 NORMAL. */
async function synchronousOf({ client }: Database) {
  onTestFinished(() => client.close())
  return (await client.execute('PRAGMA synchronous')).rows[0]![0]
}

describe('an embedded database', () => {
  it('syncs every commit before it is answered unless told otherwise (synchronous FULL)', async () => {
    expect(await synchronousOf(await openDatabase('customers', await tempFile()))).toBe(2)
  })

  it('syncs only at checkpoints when opened with synchronous normal', async () => {
    const database = await openDatabase('customers', await tempFile(), undefined, { synchronous: 'normal' })

    expect(await synchronousOf(database)).toBe(1)
  })

  it('runs in WAL mode under either setting', async () => {
    for (const synchronous of ['full', 'normal'] as const) {
      const { client } = await connectDatabase(await tempFile(), undefined, { synchronous })
      onTestFinished(() => client.close())
      expect((await client.execute('PRAGMA journal_mode')).rows[0]![0]).toBe('wal')
    }
  })

  it('is opened and migrated by several connections at once, as processes sharing a data directory do', async () => {
    const url = await tempFile()
    const opened = await Promise.all([1, 2, 3].map(() => openDatabase('customers', url)))
    for (const { client } of opened) onTestFinished(() => client.close())
    const tables = await opened[0]!.client.execute(
      "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'customers'",
    )
    expect(tables.rows[0]![0]).toBe(1)
  })
})
