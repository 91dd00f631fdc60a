import type { Client } from '@libsql/client'
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

// Plain JavaScript, evaluated in the worker: it needs no TypeScript loader under Node or Deno.
const checkpointLoop = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.libsql)
const db = new Database(workerData.path)
db.pragma('busy_timeout = 5000')
// This connection commits nothing: its setting only decides whether a checkpoint syncs, and under FULL
// and NORMAL alike it syncs the WAL before copying it and the database file after (OFF alone would not).
// Whichever mode the service's connection runs, its checkpoints here are as durable as its own would be.
db.pragma('synchronous = FULL')
parentPort.postMessage('ready')
const checkpoint = () => db.pragma('wal_checkpoint(PASSIVE)')
const timer = setInterval(() => {
  try {
    checkpoint()
  } catch {
    // The next tick tries again; meanwhile the service's own connection still bounds the WAL.
  }
}, workerData.intervalMs)
parentPort.once('message', () => {
  clearInterval(timer)
  checkpoint()
  db.close()
  parentPort.postMessage('stopped')
})
`

export interface Checkpointer {
  /** Checkpoints once more, closes its connection and ends the thread. */
  stop(): Promise<void>
}

/** The service connection's limit, should the checkpointer fall behind: 10,000 pages of WAL. */
const fallbackAutocheckpoint = 10_000

/**
 * Checkpoints an embedded database's WAL from a worker thread, every `intervalMs`. SQLite otherwise
 * checkpoints inside the commit that fills the WAL, and an embedded libSQL runs that commit on the
 * event loop: copying the WAL into the database and syncing it stalls every request for milliseconds.
 * A passive checkpoint never blocks the service's connection, `client`, whose own checkpoints are
 * moved far out (not off, as a limit should this thread fall behind) once the thread has the file open.
 * Rejects when the thread cannot open the database; `onError` hears of failures after that.
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
  const path = String(main.rows[0]!.file)
  const libsql = createRequire(import.meta.url).resolve('libsql')
  const worker = new Worker(checkpointLoop, { eval: true, workerData: { path, libsql, intervalMs } })
  // It must not keep a process alive that has nothing else to do.
  worker.unref()
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve())
    worker.once('error', reject)
  })
  worker.on('error', (error) => onError?.(error))
  await client.execute(`PRAGMA wal_autocheckpoint = ${fallbackAutocheckpoint}`)
  const ended = new Promise<void>((resolve) => {
    worker.once('message', () => resolve())
    worker.once('exit', () => resolve())
  })
  return {
    async stop() {
      worker.postMessage('stop')
      await ended
      await worker.terminate()
    },
  }
}
