import { generateSQLiteDrizzleJson, generateSQLiteMigration } from 'drizzle-kit/api'
import type { SQLiteTable } from 'drizzle-orm/sqlite-core'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import { connectDatabase, type Database } from '../db/database.ts'
import * as kernelSchema from '../db/kernel-schema.ts'
import * as todoSchema from './todo-schema.ts'

/**
 * Creates the kernel's tables, the to-do fixture's and any `tables` of the test's own in the fresh
 * database at `url`. The DDL is drizzle-kit's, made from the schemas now, so a table added to
 * `kernel-schema.ts` is here without a migration of the fixture's. A second connection to the same
 * file takes `connectDatabase`.
 *
 * @example
 * const { db } = await openFixtureDatabase(`file:${join(dir, 'kernel.db')}`)
 */
export async function openFixtureDatabase(
  url: string,
  { tables = {} }: { tables?: Record<string, SQLiteTable> } = {},
): Promise<Database> {
  const database = await connectDatabase(url)
  const [empty, schema] = await Promise.all([
    generateSQLiteDrizzleJson({}),
    generateSQLiteDrizzleJson({ ...kernelSchema, ...todoSchema, ...tables }),
  ])
  const ddl = await generateSQLiteMigration(empty, schema)
  await database.client.batch(
    [
      ...ddl,
      // As every service's migration 0001 does: a database is born with its origin (see `databaseOrigin`).
      `insert into kernel_meta (key, value) values ('origin', lower(hex(randomblob(16))))`,
    ],
    'write',
  )
  return database
}

/**
 * `openFixtureDatabase` in a fresh directory, closed and removed when the test finishes.
 *
 * @example
 * const { client, db } = await tempFixtureDatabase()
 */
export async function tempFixtureDatabase(options?: {
  tables?: Record<string, SQLiteTable>
}): Promise<Database & { url: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'pitstop-kernel-'))
  const url = `file:${join(dir, 'kernel.db')}`
  const database = await openFixtureDatabase(url, options)
  onTestFinished(async () => {
    database.client.close()
    await rm(dir, { recursive: true, force: true })
  })
  return { ...database, url }
}
