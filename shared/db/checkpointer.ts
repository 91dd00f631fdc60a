import type { Client } from '@libsql/client'
import { createRequire } from 'node:module'

/** libSQL's promise API: each call runs on libSQL's own native threads, never on the event loop. */
type AsyncConnection = { exec(sql: string): Promise<unknown>; close(): void }
type AsyncDatabase = new (path: string) => AsyncConnection
const AsyncDatabase = createRequire(import.meta.url)('libsql/promise') as AsyncDatabase

export interface Checkpointer {
  /** Waits for a checkpoint in progress, checkpoints once more and closes its connection. */
  stop(): Promise<void>
}

/** The service connection's limit, should the checkpointer fall behind: 10,000 pages of WAL. */
const fallbackAutocheckpoint = 10_000

/**
 * Checkpoints an embedded database's WAL every `intervalMs`, off the event loop. SQLite otherwise
 * checkpoints inside the commit that fills the WAL, and an embedded libSQL runs that commit on the event
 * loop: copying the WAL into the database and syncing it stalls every request for milliseconds. Here a
 * connection of its own runs `wal_checkpoint(PASSIVE)` through libSQL's promise API, which does the work
 * on libSQL's native thread pool (shared by every database of the process), so no JavaScript thread is
 * needed: a worker thread per database cost about 9 MB each. A passive checkpoint never blocks the
 * service's connection, `client`, whose own checkpoints are moved far out (not off, as a limit should
 * the checkpointer fall behind) once the file is open here. A tick is skipped while the previous
 * checkpoint still runs. Rejects when the database cannot be opened; `onError` hears of the first
 * failure after each success.
 *
 * @example
 * const checkpointer = await checkpointInBackground(database.client, { onError: (e) => log.warn(e) })
 * await checkpointer.stop()
 */
export async function checkpointInBackground(
  client: Client,
  { intervalMs = 100, onError }: { intervalMs?: number; onError?: (error: Error) => void } = {},
): Promise<Checkpointer> {
  // The file as the connection resolved it: a relative `file:` URL means different paths to libSQL and to URL parsers.
  const main = await client.execute("SELECT file FROM pragma_database_list WHERE name = 'main'")
  const connection = new AsyncDatabase(String(main.rows[0]!.file))
  try {
    // This connection commits nothing: its setting only decides whether a checkpoint syncs, and under
    // FULL and NORMAL alike it syncs the WAL before copying it and the database file after (OFF alone
    // would not). Whichever mode the service's connection runs, these checkpoints are as durable as its own.
    await connection.exec('PRAGMA synchronous = FULL')
    await connection.exec('PRAGMA busy_timeout = 5000')
    // Opening may not touch the file; this reads its header, and fails for a file that is not a database.
    await connection.exec('PRAGMA schema_version')
  } catch (error) {
    connection.close()
    throw error
  }
  await client.execute(`PRAGMA wal_autocheckpoint = ${fallbackAutocheckpoint}`)

  let running: Promise<void> | undefined
  let failing = false
  const checkpoint = () =>
    connection.exec('PRAGMA wal_checkpoint(PASSIVE)').then(
      () => void (failing = false),
      (error: Error) => {
        // The next tick tries again; meanwhile the service's own connection still bounds the WAL.
        if (!failing) onError?.(error)
        failing = true
      },
    )
  const timer = setInterval(() => {
    running ??= checkpoint().finally(() => (running = undefined))
  }, intervalMs)
  // It must not keep a process alive that has nothing else to do.
  timer.unref()

  let stopped: Promise<void> | undefined
  return {
    stop() {
      stopped ??= (async () => {
        clearInterval(timer)
        await running
        await checkpoint()
        connection.close()
      })()
      return stopped
    },
  }
}
