import { createClient, type Client } from '@libsql/client'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startCheckpointer } from './checkpointer.ts'

let dir: string
let path: string
let client: Client
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pitstop-checkpointer-'))
  path = join(dir, 'service.db')
  client = createClient({ url: `file:${path}` })
  await client.execute('PRAGMA journal_mode = WAL')
  // This connection never checkpoints, so only the checkpointer moves pages into the database file.
  await client.execute('PRAGMA wal_autocheckpoint = 0')
  await client.execute('CREATE TABLE t (v TEXT NOT NULL)')
})
afterEach(async () => {
  client.close()
  await rm(dir, { recursive: true, force: true })
})

const writeAMegabyte = async () => {
  for (let i = 0; i < 200; i++)
    await client.execute({ sql: 'INSERT INTO t (v) VALUES (?)', args: ['x'.repeat(5000)] })
}
const fileSize = async () => (await stat(path)).size

describe('startCheckpointer', () => {
  it('moves committed pages from the WAL into the database file from its own thread', async () => {
    await writeAMegabyte()
    expect(await fileSize()).toBeLessThan(100_000)

    const checkpointer = startCheckpointer(path, { intervalMs: 10 })
    await expect.poll(fileSize).toBeGreaterThan(1_000_000)
    await checkpointer.stop()
    expect((await client.execute('SELECT count(*) AS n FROM t')).rows[0]!.n).toBe(200)
  })

  it('checkpoints once more when it stops', async () => {
    const checkpointer = startCheckpointer(path, { intervalMs: 60_000 })
    await writeAMegabyte()
    expect(await fileSize()).toBeLessThan(100_000)

    await checkpointer.stop()
    expect(await fileSize()).toBeGreaterThan(1_000_000)
  })

  it('reports a database it cannot open, and still stops', async () => {
    const errors: Error[] = []
    const checkpointer = startCheckpointer(join(dir, 'missing', 'nowhere.db'), {
      onError: (e) => errors.push(e),
    })
    await expect.poll(() => errors.length).toBe(1)
    await checkpointer.stop()
  })
})
