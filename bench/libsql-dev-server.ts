import { createClient, type Client } from '@libsql/client'
import { join } from 'node:path'
import { connectDatabase } from '../shared/db/database.ts'
import { openFileClient } from '../shared/db/file-client.ts'
import { freePort, startServer } from './servers.ts'

/** `commits` single-insert write batches, as a command commits, `concurrency` at a time. */
async function commit(client: Client, commits: number, concurrency: number) {
  await client.execute('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)')
  const payload = 'x'.repeat(400)
  let sent = 0
  const one = async () => {
    while (sent++ < commits)
      await client.batch([{ sql: 'INSERT INTO t (v) VALUES (?)', args: [payload] }], 'write')
  }
  await Promise.all(Array.from({ length: concurrency }, one))
}

/**
 * CPU per commit of the libSQL dev server (its own process, as `npm run dev:edge` serves the workers,
 * 10 clients at a time) and of the embedded client the Node host uses, on the same commit: one insert
 * in a write batch, synchronous=FULL. Each is warmed up first, so that its code runs compiled.
 */
export async function devServerCpuPerCommit(dir: string, commits = 2000) {
  const port = await freePort()
  const server = await startServer(
    'the libSQL dev server',
    process.execPath,
    ['--import', 'tsx', 'tools/libsql-dev-server/main.ts'],
    { port, ready: '/bench/v2', env: { DATA_DIR: join(dir, 'dev-server'), LIBSQL_PORT: String(port) } },
  )
  try {
    const remote = createClient({ url: `http://127.0.0.1:${port}/bench/` })
    await commit(remote, commits / 2, 10)
    const before = await server.cpuMs()
    await commit(remote, commits, 10)
    const serverMs = (await server.cpuMs()) - before
    remote.close()

    // As the Node host opens its files: WAL, synchronous=FULL, statements kept prepared.
    const { client: embedded } = await connectDatabase(`file:${join(dir, 'embedded.db')}`, undefined, {
      openFile: openFileClient,
    })
    await commit(embedded, commits / 2, 1)
    const usage = process.cpuUsage()
    await commit(embedded, commits, 1)
    const { user, system } = process.cpuUsage(usage)
    embedded.close()
    return { devServerUs: (serverMs * 1000) / commits, embeddedUs: (user + system) / commits }
  } finally {
    await server.stop()
  }
}
