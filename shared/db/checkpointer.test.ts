import { createClient, type Client } from '@libsql/client'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { checkpointInBackground } from './checkpointer.ts'

let dir: string
let path: string
let client: Client
const others: Client[] = []
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pitstop-checkpointer-'))
  path = join(dir, 'service.db')
  client = await walDatabase(path)
})
afterEach(async () => {
  for (const c of [client, ...others.splice(0)]) c.close()
  await rm(dir, { recursive: true, force: true })
})

async function walDatabase(file: string) {
  // Relative, as a LIBSQL_URL_<SERVICE> may be: the checkpointer must find the very same file.
  const database = createClient({ url: `file:${relative(process.cwd(), file)}` })
  await database.execute('PRAGMA journal_mode = WAL')
  await database.execute('CREATE TABLE t (v TEXT NOT NULL)')
  return database
}
const writeMegabytes = async (megabytes = 1, to = client) => {
  // A row to a page (4 KiB): 20 MB stay within the 10,000 pages after which a connection checkpoints itself.
  const insert = { sql: 'INSERT INTO t (v) VALUES (?)', args: ['x'.repeat(4000)] }
  for (let i = 0; i < megabytes; i++) await to.batch(Array(250).fill(insert), 'write')
}
const writeAMegabyte = () => writeMegabytes(1)
const fileSize = async (file = path) => (await stat(file)).size
const autocheckpoint = async () => (await client.execute('PRAGMA wal_autocheckpoint')).rows[0]![0]

describe('checkpointInBackground', () => {
  it('moves committed pages from the WAL into the database file in the background', async () => {
    const checkpointer = await checkpointInBackground(client, { intervalMs: 10 })
    await writeAMegabyte()

    await expect.poll(fileSize).toBeGreaterThan(1_000_000)
    await checkpointer.stop()
    expect((await client.execute('SELECT count(*) AS n FROM t')).rows[0]!.n).toBe(250)
  })

  it("leaves checkpoints to itself: the connection's own come only after 10,000 pages", async () => {
    expect(await autocheckpoint()).toBe(1000)
    const checkpointer = await checkpointInBackground(client, { intervalMs: 60_000 })
    expect(await autocheckpoint()).toBe(10_000)

    await writeAMegabyte()
    expect(await fileSize()).toBeLessThan(100_000)
    await checkpointer.stop()
    // Stopping checkpoints once more.
    expect(await fileSize()).toBeGreaterThan(1_000_000)
  })

  it('checkpoints each of several databases, each in its own file', async () => {
    const paths = [path, join(dir, 'second.db'), join(dir, 'third.db')]
    others.push(await walDatabase(paths[1]!), await walDatabase(paths[2]!))
    const clients = [client, ...others]
    const checkpointers = await Promise.all(clients.map((c) => checkpointInBackground(c, { intervalMs: 10 })))
    for (const c of clients) await writeMegabytes(1, c)

    for (const file of paths) await expect.poll(() => fileSize(file)).toBeGreaterThan(1_000_000)
    await Promise.all(checkpointers.map((c) => c.stop()))
  })

  it('checkpoints off the event loop: the loop keeps turning while it copies and syncs the WAL', async () => {
    const checkpointer = await checkpointInBackground(client, { intervalMs: 60_000 })
    await writeMegabytes(20)

    // Stopping checkpoints once more. Run on the event loop, the checkpoint would let no turn pass.
    let turns = 0
    let done = false
    const stopped = checkpointer.stop().then(() => (done = true))
    while (!done) {
      turns++
      await new Promise((resolve) => setImmediate(resolve))
    }
    await stopped
    expect(await fileSize()).toBeGreaterThan(20_000_000)
    // On the event loop it is one turn; off it, as many as the copy and the sync take (thousands here).
    expect(turns).toBeGreaterThan(3)
  })

  it('refuses to start, changing nothing, when it cannot open the database', async () => {
    await rm(dir, { recursive: true, force: true })
    await expect(checkpointInBackground(client)).rejects.toThrow()
    expect(await autocheckpoint()).toBe(1000)
  })
})
