import { createClient, type Client } from '@libsql/client'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkpointInBackground } from './checkpointer.ts'

let dir: string
let path: string
let client: Client
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pitstop-checkpointer-'))
  path = join(dir, 'service.db')
  // Relative, as a LIBSQL_URL_<SERVICE> may be: the checkpointer must find the very same file.
  client = createClient({ url: `file:${relative(process.cwd(), path)}` })
  await client.execute('PRAGMA journal_mode = WAL')
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
const autocheckpoint = async () => (await client.execute('PRAGMA wal_autocheckpoint')).rows[0]![0]

describe('checkpointInBackground', () => {
  it('moves committed pages from the WAL into the database file from its own thread', async () => {
    const checkpointer = await checkpointInBackground(client, { intervalMs: 10 })
    await writeAMegabyte()

    await expect.poll(fileSize).toBeGreaterThan(1_000_000)
    await checkpointer.stop()
    expect((await client.execute('SELECT count(*) AS n FROM t')).rows[0]!.n).toBe(200)
  })

  it("leaves checkpoints to its thread: the connection's own come only after 10,000 pages", async () => {
    expect(await autocheckpoint()).toBe(1000)
    const checkpointer = await checkpointInBackground(client, { intervalMs: 60_000 })
    expect(await autocheckpoint()).toBe(10_000)

    await writeAMegabyte()
    expect(await fileSize()).toBeLessThan(100_000)
    await checkpointer.stop()
    // Stopping checkpoints once more.
    expect(await fileSize()).toBeGreaterThan(1_000_000)
  })

  it('refuses to start, changing nothing, when its thread cannot open the database', async () => {
    await rm(dir, { recursive: true, force: true })
    await expect(checkpointInBackground(client)).rejects.toThrow()
    expect(await autocheckpoint()).toBe(1000)
  })
})
