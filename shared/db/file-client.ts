import {
  createClient,
  LibsqlBatchError,
  LibsqlError,
  type Client,
  type InArgs,
  type InStatement,
  type ResultSet,
  type Transaction,
  type TransactionMode,
} from '@libsql/client'
import Libsql from 'libsql'
import { LRUCache } from 'lru-cache'
import { fileURLToPath } from 'node:url'
import { FileResultSet, libsqlError, rowOf, valuesOf } from './libsql-values.ts'

type Database = Libsql.Database
type Prepared = ReturnType<Database['prepare']>

/**
 * `@libsql/client`'s `Client` over one embedded database file (a `file:` URL), keeping its prepared
 * statements. A URL this client does not take (one with a query, `:memory:`) gets `@libsql/client`'s
 * own, with one connection.
 * `@libsql/client` prepares every statement anew (a parse and a plan each time, and for a write a
 * thrown and caught error to learn that it returns no rows); this client prepares each SQL text once
 * per connection and runs the statement again with new arguments. A statement stays true across schema
 * changes, its own or another connection's: SQLite prepares it again itself, and the columns are read
 * after each run. Everything else behaves as `@libsql/client` does for a `file:` URL with
 * `concurrency: 1` and integers as numbers: one connection, operations in turn, an interactive
 * transaction holding the connection until it settles, the same errors (`LibsqlError`,
 * `LibsqlBatchError` with SQLite's codes).
 *
 * @example
 * const client = openFileClient('file:///srv/pitstop/customers.db')
 * await client.execute({ sql: 'SELECT * FROM customers WHERE customer_id = ?', args: ['c-1'] })
 */
export function openFileClient(url: string): Client {
  const path = fileClientPath(url)
  return path ? new FileClient(path) : createClient({ url, concurrency: 1 })
}

/**
 * The path of a `file:` URL without a query (`file:///abs.db`, `file:/abs.db`, `file:relative.db`),
 * else `undefined`: other forms are left to `@libsql/client`.
 */
export function fileClientPath(url: string): string | undefined {
  if (!/^file:/i.test(url) || /[?#]/.test(url)) return undefined
  if (/^file:\/\//i.test(url)) return /^file:\/\/(localhost)?\//i.test(url) ? fileURLToPath(url) : undefined
  return decodeURIComponent(url.slice('file:'.length))
}

/** Statements kept per connection, and their SQL's total length: enough for every query of a service. */
const cacheLimits = { max: 500, maxSize: 1_000_000 }

class FileClient implements Client {
  closed = false
  readonly protocol = 'file'
  #db: Database
  #statements = new LRUCache<string, Prepared>({ ...cacheLimits, sizeCalculation: (_, sql) => sql.length })
  /** An interactive transaction is open. */
  #held = false

  constructor(private readonly path: string) {
    this.#db = this.#open()
  }

  #open(): Database {
    const db = new Libsql(this.path)
    try {
      run(db, this.#statements, 'SELECT 1 AS checkThatTheDatabaseCanBeOpened', [])
    } catch (error) {
      db.close()
      throw error
    }
    return db
  }

  /** The connection, unless closed or held by an open transaction (which would never let go of it). */
  #connection(): Database {
    if (this.closed) throw new LibsqlError('The client is closed', 'CLIENT_CLOSED')
    if (this.#held)
      throw new LibsqlError(
        'This client has a single connection, which an open transaction is holding. ' +
          'Commit or roll back the transaction before using the client again.',
        'TRANSACTION_ACTIVE',
      )
    return this.#db
  }

  async execute(stmtOrSql: InStatement | string, args?: InArgs): Promise<ResultSet> {
    const { sql, args: values } = statementOf(stmtOrSql, args)
    return run(this.#connection(), this.#statements, sql, values)
  }

  async batch(stmts: (InStatement | [string, InArgs?])[], mode: TransactionMode = 'deferred') {
    const db = this.#connection()
    return inTransaction(db, mode, () => runAll(db, this.#statements, stmts))
  }

  async migrate(stmts: InStatement[]): Promise<ResultSet[]> {
    const db = this.#connection()
    exec(db, 'PRAGMA foreign_keys=off')
    try {
      return inTransaction(db, 'deferred', () => runAll(db, this.#statements, stmts))
    } finally {
      exec(db, 'PRAGMA foreign_keys=on')
    }
  }

  async transaction(mode: TransactionMode = 'write'): Promise<Transaction> {
    const db = this.#connection()
    exec(db, beginOf(mode))
    this.#held = true
    return new FileTransaction(db, this.#statements, () => (this.#held = false))
  }

  async executeMultiple(sql: string): Promise<void> {
    const db = this.#connection()
    try {
      exec(db, sql)
    } finally {
      if (db.inTransaction) exec(db, 'ROLLBACK')
    }
  }

  async sync(): Promise<never> {
    throw new LibsqlError('sync() is for embedded replicas, not plain files', 'SYNC_NOT_SUPPORTED')
  }

  close(): void {
    this.closed = true
    this.#statements.clear()
    if (this.#db.open) this.#db.close()
  }

  reconnect(): void {
    this.close()
    this.#db = this.#open()
    this.closed = false
  }
}

class FileTransaction implements Transaction {
  #db: Database | undefined

  constructor(
    db: Database,
    private readonly statements: LRUCache<string, Prepared>,
    private readonly release: () => void,
  ) {
    this.#db = db
  }

  get closed(): boolean {
    return !this.#db?.open || !this.#db.inTransaction
  }

  #connection(): Database {
    if (this.closed) throw new LibsqlError('The transaction is closed', 'TRANSACTION_CLOSED')
    return this.#db!
  }

  async execute(stmtOrSql: InStatement | string, args?: InArgs): Promise<ResultSet> {
    const { sql, args: values } = statementOf(stmtOrSql, args)
    return run(this.#connection(), this.statements, sql, values)
  }

  async batch(stmts: InStatement[]): Promise<ResultSet[]> {
    return runAll(this.#connection(), this.statements, stmts)
  }

  async executeMultiple(sql: string): Promise<void> {
    exec(this.#connection(), sql)
  }

  async rollback(): Promise<void> {
    this.close()
  }

  async commit(): Promise<void> {
    try {
      exec(this.#connection(), 'COMMIT')
    } finally {
      this.close()
    }
  }

  close(): void {
    const db = this.#db
    if (!db) return
    this.#db = undefined
    try {
      if (db.open && db.inTransaction) exec(db, 'ROLLBACK')
    } finally {
      this.release()
    }
  }
}

function inTransaction<T>(db: Database, mode: TransactionMode, work: () => T): T {
  exec(db, beginOf(mode))
  try {
    const result = work()
    exec(db, 'COMMIT')
    return result
  } finally {
    if (db.open && db.inTransaction) exec(db, 'ROLLBACK')
  }
}

function runAll(
  db: Database,
  statements: LRUCache<string, Prepared>,
  stmts: (InStatement | [string, InArgs?])[],
): ResultSet[] {
  return stmts.map((stmt, index) => {
    if (!db.inTransaction)
      throw new LibsqlBatchError('The transaction has been rolled back', index, 'TRANSACTION_CLOSED')
    const { sql, args } = Array.isArray(stmt) ? { sql: stmt[0], args: stmt[1] ?? [] } : statementOf(stmt)
    try {
      return run(db, statements, sql, args)
    } catch (error) {
      if (!(error instanceof LibsqlError) || error instanceof LibsqlBatchError) throw error
      const { message, code, extendedCode, rawCode, cause } = error
      throw new LibsqlBatchError(message, index, code, extendedCode, rawCode, cause as Error | undefined)
    }
  })
}

/** Runs one statement, prepared once per connection and SQL text. */
function run(db: Database, statements: LRUCache<string, Prepared>, sql: string, args: InArgs): ResultSet {
  try {
    let statement = statements.get(sql)
    if (!statement) {
      statement = db.prepare(sql).safeIntegers(true)
      if (statement.reader) statement.raw(true)
      statements.set(sql, statement)
    }
    const values = valuesOf(args)
    if (!statement.reader) {
      const { changes, lastInsertRowid } = statement.run(values)
      return new FileResultSet([], [], [], changes, BigInt(lastInsertRowid))
    }
    const raw = statement.all(values) as unknown[][]
    // Read after running: a statement SQLite prepared again after a schema change has its new columns.
    const definitions = statement.columns()
    const columns = definitions.map((c) => c.name)
    const rows = raw.map((values) => rowOf(values, columns))
    return new FileResultSet(
      columns,
      definitions.map((c) => c.type ?? ''),
      rows,
      0,
      undefined,
    )
  } catch (error) {
    throw libsqlError(error)
  }
}

function exec(db: Database, sql: string): void {
  try {
    db.exec(sql)
  } catch (error) {
    throw libsqlError(error)
  }
}

function statementOf(stmtOrSql: InStatement | string, args?: InArgs): { sql: string; args: InArgs } {
  if (typeof stmtOrSql === 'string') return { sql: stmtOrSql, args: args ?? [] }
  return { sql: stmtOrSql.sql, args: stmtOrSql.args ?? [] }
}

const beginOf = (mode: TransactionMode) => {
  if (mode === 'write') return 'BEGIN IMMEDIATE'
  if (mode === 'read') return 'BEGIN TRANSACTION READONLY'
  if (mode === 'deferred') return 'BEGIN DEFERRED'
  throw new RangeError('Unknown transaction mode, supported values are "write", "read" and "deferred"')
}
