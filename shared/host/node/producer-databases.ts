import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { serviceStream } from '../../bus/bus.ts'
import type { CatchUp } from '../../consumer/consumer-group.ts'
import { connectDatabase, type Database } from '../../db/database.ts'
import { openFileClient } from '../../db/file-client.ts'
import { readOutbox } from '../../outbox/outbox-reader.ts'
import { serviceNames } from '../../../workers/registry.ts'
import type { HostConfig } from '../config.ts'
import { databaseUrl } from './services.ts'

/**
 * The producers' databases, from whose outboxes consumers catch up on what their streams no longer
 * hold: a service's own when it runs in this process, else its `LIBSQL_URL_<SERVICE>` or its file
 * under DATA_DIR when there is one (a process running a subset of the services on the same data).
 */
export class ProducerDatabases {
  private readonly reached = new Map<string, Promise<Database | undefined>>()
  private readonly own = new Set<Database>()

  constructor(private readonly config: HostConfig) {}

  add(name: string, database: Database): void {
    this.reached.set(serviceStream(this.config.streamPrefix, name), Promise.resolve(database))
    this.own.add(database)
  }

  readonly catchUp: CatchUp = async (stream, fromSeq, toSeq, count) => {
    const database = await this.databaseOf(stream)
    return database && readOutbox(database.db, fromSeq, toSeq, count)
  }

  /** Closes the connections opened to catch up, not those of the services running here. */
  close(): void {
    for (const reached of this.reached.values())
      void reached.then((database) => database && !this.own.has(database) && database.client.close())
  }

  private databaseOf(stream: string): Promise<Database | undefined> {
    let reached = this.reached.get(stream)
    if (!reached) {
      const name = serviceNames.find((n) => serviceStream(this.config.streamPrefix, n) === stream)
      reached = name ? this.connect(name) : Promise.resolve(undefined)
      this.reached.set(stream, reached)
      // A failed connection is tried again next time, not remembered.
      reached.catch(() => this.reached.delete(stream))
    }
    return reached
  }

  private async connect(name: string): Promise<Database | undefined> {
    const url = databaseUrl(name, this.config)
    // Never create a producer's file: where it is absent, the producer's data lives elsewhere.
    if (url.startsWith('file:') && !existsSync(fileURLToPath(url))) return undefined
    return connectDatabase(url, this.config.databaseAuthToken, { openFile: openFileClient })
  }
}
