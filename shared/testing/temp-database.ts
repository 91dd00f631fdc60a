import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onTestFinished } from 'vitest'
import { openDatabase, type Database } from '../db/database.ts'

/**
 * A migrated database of `service` in a fresh directory, closed and removed when the test finishes.
 *
 * @example
 * const { db } = await tempDatabase('workshop')
 */
export async function tempDatabase(service: string): Promise<Database> {
  const dir = await mkdtemp(join(tmpdir(), `pitstop-${service}-`))
  const database = await openDatabase(service, `file:${join(dir, `${service}.db`)}`)
  onTestFinished(async () => {
    database.client.close()
    await rm(dir, { recursive: true, force: true })
  })
  return database
}
