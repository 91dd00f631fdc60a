import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

// Plain JavaScript, evaluated in the worker: it needs no TypeScript loader under Node or Deno.
const checkpointLoop = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.libsql)
const db = new Database(workerData.path)
db.pragma('busy_timeout = 5000')
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

/**
 * Checkpoints an embedded database's WAL from a worker thread, every `intervalMs`. SQLite otherwise
 * checkpoints inside the commit that fills the WAL, and an embedded libSQL runs that commit on the
 * event loop: copying the WAL into the database and syncing it stalls every request for milliseconds.
 * A passive checkpoint never blocks the service's own connection. Set that connection's
 * `wal_autocheckpoint` high rather than off, as a limit should this thread ever fall behind.
 *
 * @example
 * const checkpointer = startCheckpointer('.data/workshop.db', { onError: (e) => log.warn(e) })
 * await checkpointer.stop()
 */
export function startCheckpointer(
  path: string,
  { intervalMs = 100, onError }: { intervalMs?: number; onError?: (error: Error) => void } = {},
): Checkpointer {
  const libsql = createRequire(import.meta.url).resolve('libsql')
  const worker = new Worker(checkpointLoop, { eval: true, workerData: { path, libsql, intervalMs } })
  // It must not keep a process alive that has nothing else to do.
  worker.unref()
  const ended = new Promise<void>((resolve) => {
    worker.once('message', () => resolve())
    worker.once('exit', () => resolve())
  })
  worker.on('error', (error) => onError?.(error))
  return {
    async stop() {
      worker.postMessage('stop')
      await ended
      await worker.terminate()
    },
  }
}
