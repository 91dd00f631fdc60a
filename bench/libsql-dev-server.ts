import { createClient, type Client } from '@libsql/client'
import { join } from 'node:path'
import { connectDatabase } from '../shared/db/database.ts'
import { openFileClient } from '../shared/db/file-client.ts'
import { freePort, startScript, startServer, type Server } from './servers.ts'

/** Clients at a time, on every side: as the service workers of `npm run dev:edge` send theirs. */
const concurrency = 10

/** `commits` single-insert write batches, as a command commits, `concurrency` at a time. */
async function commit(client: Client, commits: number) {
  await client.execute('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)')
  const payload = 'x'.repeat(400)
  let sent = 0
  const one = async () => {
    while (sent++ < commits)
      await client.batch([{ sql: 'INSERT INTO t (v) VALUES (?)', args: [payload] }], 'write')
  }
  await Promise.all(Array.from({ length: concurrency }, one))
}

/** The CPU time per commit of a server of its own, sent over `@libsql/client`'s HTTP client, after a warm-up. */
async function serverCpuPerCommit(start: () => Promise<Server>, commits: number) {
  const server = await start()
  try {
    const remote = createClient({ url: `${server.url}/bench/` })
    await commit(remote, commits / 2)
    const before = await server.cpuMs()
    await commit(remote, commits)
    const ms = (await server.cpuMs()) - before
    remote.close()
    return (ms * 1000) / commits
  } finally {
    await server.stop()
  }
}

/**
 * CPU per commit of the libSQL dev server (its own process, as `npm run dev:edge` serves the workers)
 * and of the embedded client the Node host uses, on the same commit: one insert in a write batch,
 * synchronous=FULL, 10 at a time. Beside them, the floor of any Hrana server on Node: the same requests
 * answered over node:http without a database (`hrana-floor.ts`). Each is warmed up first, so that its
 * code runs compiled.
 */
export async function devServerCpuPerCommit(dir: string, commits = 2000) {
  const devServerUs = await serverCpuPerCommit(async () => {
    const port = await freePort()
    return startServer(
      'the libSQL dev server',
      process.execPath,
      ['--import', 'tsx', 'tools/libsql-dev-server/main.ts'],
      { port, ready: '/bench/v2', env: { DATA_DIR: join(dir, 'dev-server'), LIBSQL_PORT: String(port) } },
    )
  }, commits)
  const httpUs = await serverCpuPerCommit(
    () => startScript('Hrana over HTTP without a database', 'bench/hrana-floor.ts', { ready: '/', env: {} }),
    commits,
  )

  // As the Node host opens its files: WAL, synchronous=FULL, statements kept prepared.
  const { client: embedded } = await connectDatabase(`file:${join(dir, 'embedded.db')}`, undefined, {
    openFile: openFileClient,
  })
  await commit(embedded, commits / 2)
  const usage = process.cpuUsage()
  await commit(embedded, commits)
  const { user, system } = process.cpuUsage(usage)
  embedded.close()
  return { devServerUs, httpUs, embeddedUs: (user + system) / commits }
}
