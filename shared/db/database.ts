import { createClient, type Client } from '@libsql/client'
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql'
import { migrate } from 'drizzle-orm/libsql/migrator'
import { fileURLToPath } from 'node:url'

export type Db = LibSQLDatabase
export interface Database {
  client: Client
  db: Db
}

/**
 * How an embedded database syncs its WAL. `full` (the default): every commit is on disk before it is
 * answered, so a power cut loses nothing acknowledged. `normal`: the WAL is synced only at checkpoints,
 * so a process crash loses nothing but a power cut may lose the last commits answered 2xx.
 */
export type Synchronous = 'full' | 'normal'

export interface DatabaseOptions {
  /** Embedded (`file:`) databases only; a server decides for itself. Default `full`. */
  synchronous?: Synchronous
  /**
   * Opens an embedded (`file:`) database; by default `@libsql/client` with one connection. The Node host
   * passes `openFileClient` (`file-client.ts`), which keeps prepared statements; it loads libSQL's native
   * module, which workerd cannot, so this module does not import it.
   */
  openFile?: (url: string) => Client
}

const schemes = ['file', 'http', 'https', 'libsql', 'ws', 'wss']

/**
 * What is wrong with a libSQL database URL, checked before any connection is tried: `undefined` when
 * nothing is, else the reason as the end of a sentence.
 *
 * @example
 * databaseUrlProblem('ftp://x') // 'has the scheme ftp:; libSQL takes file:, http(s):, libsql: or ws(s):'
 */
export function databaseUrlProblem(url: string): string | undefined {
  if (url === ':memory:') return undefined
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase()
  if (!scheme) return 'is not a URL'
  if (!schemes.includes(scheme))
    return `has the scheme ${scheme}:; libSQL takes file:, http(s):, libsql: or ws(s):`
  if (scheme === 'file') return /^file:(\/\/)?[^?#]*[^/?#]/i.test(url) ? undefined : 'names no file'
  if (/^[a-z]+:\/\/(?:[/?#]|$)/i.test(url)) return 'names no host'
  if (!URL.canParse(url)) return 'is not a URL'
  if (/^[a-z]+:\/\/[^/?#]*@/i.test(url))
    return 'carries credentials; a token goes in ?authToken= or LIBSQL_AUTH_TOKEN'
  return undefined
}

/** A database URL fit for a message: without its query (which may carry a token) or credentials. */
export function shownDatabaseUrl(url: string): string {
  const withoutQuery = url.split(/[?#]/)[0]!
  return withoutQuery.replace(/\/\/[^/@]*@/, '//')
}

/**
 * Connects to a service's libSQL database: an embedded file (`file:`) or a server over HTTP
 * (`http(s):`/`libsql:`, e.g. sqld or Turso; a token may ride in the URL as `?authToken=`).
 * Applies no migrations: hosts without a file system (workerd) rely on `openDatabase` having run at deploy.
 *
 * @example
 * const { db } = await connectDatabase('http://127.0.0.1:8081/customers')
 */
export async function connectDatabase(
  url: string,
  authToken?: string,
  { synchronous = 'full', openFile = openWithOneConnection }: DatabaseOptions = {},
): Promise<Database> {
  const problem = databaseUrlProblem(url)
  if (problem) throw new Error(`The database URL "${shownDatabaseUrl(url)}" ${problem}`)
  const local = url.startsWith('file:')
  const client = local ? openFile(url) : createClient({ url, authToken })
  if (local) {
    // WAL lets readers run beside the writer. FULL syncs the WAL in every commit, before the answer
    // (group commit shares that sync among the commands of one event-loop turn); NORMAL only at checkpoints.
    // Waiting first: another process opening the same file at once holds its lock for a moment.
    await client.execute('PRAGMA busy_timeout = 5000')
    await client.execute('PRAGMA journal_mode = WAL')
    await client.execute(`PRAGMA synchronous = ${synchronous === 'normal' ? 'NORMAL' : 'FULL'}`)
  }
  return { client, db: drizzle(client) }
}

// An embedded database runs every statement synchronously, so one connection serves all requests;
// more would each need the pragmas below and would only contend for the write lock.
const openWithOneConnection = (url: string) => createClient({ url, concurrency: 1 })

/**
 * Connects to a service's database and applies its migrations from `migrations/<service>/`.
 *
 * @example
 * const { db } = await openDatabase('customers', 'file:.data/customers.db', undefined, { synchronous: 'full' })
 */
export async function openDatabase(
  service: string,
  url: string,
  authToken?: string,
  options?: DatabaseOptions,
): Promise<Database> {
  const migrations = {
    migrationsFolder: fileURLToPath(new URL(`../../migrations/${service}`, import.meta.url)),
  }
  for (let attempt = 1; ; attempt++) {
    let database: Database | undefined
    try {
      database = await connectDatabase(url, authToken, options)
      await migrate(database.db, migrations)
      return database
    } catch (error) {
      database?.client.close()
      if (attempt === OPEN_ATTEMPTS || !startedTogether(error)) throw error
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt))
    }
  }
}

const OPEN_ATTEMPTS = 5

/**
 * Two processes opening one new database at once: one finds it locked while the other makes it WAL or
 * migrates it, or both find a migration missing and the second to apply it fails (`table … already
 * exists`). Opened again a moment later, it is in WAL and has nothing left to apply.
 */
function startedTogether(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause)
    if (/database is locked|SQLITE_BUSY|already exists/i.test(e.message)) return true
  return false
}

/** True when a statement failed on a UNIQUE constraint over `columns` (as SQLite names them: `table.column`). */
export function isUniqueViolation(error: unknown, columns: string): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.message.includes(`UNIQUE constraint failed: ${columns}`)) return true
  }
  return false
}

/**
 * True when a write failed on a constraint (UNIQUE, NOT NULL, CHECK…): the database refused it, so
 * its transaction certainly did not commit. Other failures (a lost connection to a server) may leave
 * the outcome unknown.
 */
export function isConstraintViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const { code } = e as { code?: unknown }
    if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')) return true
  }
  return false
}
