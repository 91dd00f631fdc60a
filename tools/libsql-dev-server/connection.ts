import Database from 'libsql'
import { LRUCache } from 'lru-cache'
import { setTimeout as sleep } from 'node:timers/promises'

/** A value as libsql binds and returns it with safe integers on: integers are bigints, blobs Buffers. */
export type SqlValue = null | bigint | number | string | Buffer
/** Positional arguments, or named ones keyed as the client wrote them (`id`, `:id`, `@id`, `$id`). */
export type Args = SqlValue[] | Map<string, SqlValue>

export interface Column {
  name: string
  decltype: string | null
}
export interface Execution {
  columns: Column[]
  rows: SqlValue[][]
  affectedRowCount: number
  lastInsertRowid: bigint | null
}
export interface Description {
  /** Parameter names by position; `null` for a bare `?`. */
  params: (string | null)[]
  columns: Column[]
  isExplain: boolean
  isReadonly: boolean
}

/**
 * A lock still taken when the busy timeout ran out. It ends the stream: libsql offers no way to reset the
 * statement that failed, and while it stays unreset SQLite would commit none of the stream's later writes.
 */
export class BusyTimeoutError extends Error {
  readonly code = 'SQLITE_BUSY'
  constructor() {
    super('SQLite error: database is locked')
  }
}

/** A statement refused before SQLite ran it, with the code sqld gives the same refusal. */
export class StatementError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message)
  }
}

const SQLITE_BUSY = 5
const INSERT = /^\s*(insert|replace)\b/i
const EXPLAIN = /^\s*explain\b(\s+query\s+plan\b)?/i
// Besides write transactions, the opcodes that make sqlite3_stmt_readonly() false (SQLite's vdbeaux.c).
const WRITING_OPCODES = new Set(['Checkpoint', 'Vacuum', 'JournalMode'])

type Op = [addr: number, opcode: string, p1: number, p2: number, p3: number, p4: string | null]

// A client sends the same few statements over and over; SQLite re-prepares a kept statement by itself
// when the schema changes, so keeping them is always safe.
const KEPT_STATEMENTS = 100

/** One libSQL connection, owned by one stream: statements run on it in order, transactions span requests. */
export class Connection {
  readonly #db: Database.Database
  // changes() keeps the count of the last INSERT, UPDATE or DELETE, so a statement only affected rows if it
  // moved total_changes().
  readonly #counters: Database.Statement
  readonly #busyTimeoutMs: number
  readonly #statements = new LRUCache<string, Database.Statement>({ max: KEPT_STATEMENTS })

  private constructor(db: Database.Database, busyTimeoutMs: number) {
    this.#db = db
    this.#busyTimeoutMs = busyTimeoutMs
    this.#counters = db
      .prepare('SELECT changes(), total_changes(), last_insert_rowid()')
      .safeIntegers(true)
      .raw(true)
  }

  /**
   * Opens (creating it if needed) the file at `path` in WAL mode, as the Node host does, so both share it.
   * A statement finding the database locked is retried for up to `busyTimeoutMs`.
   */
  static async open(path: string, busyTimeoutMs: number): Promise<Connection> {
    const db = new Database(path)
    try {
      await whenNotBusy(() => db.exec('PRAGMA journal_mode = WAL'), busyTimeoutMs)
      // As the Node host by default: a commit is synced before its answer, so a 2xx survives a power cut.
      db.exec('PRAGMA synchronous = FULL')
      return new Connection(db, busyTimeoutMs)
    } catch (error) {
      db.close()
      throw error
    }
  }

  /** Runs one statement, waiting for a lock another connection holds. */
  async execute(sql: string, args: Args): Promise<Execution> {
    const statement = this.#prepared(sql)
    const values = args instanceof Map ? this.#byPosition(sql, args) : args
    // Retried as the same statement: running it again resets it, and SQLite commits nothing on this
    // connection while a statement that failed busy is left unreset.
    return whenNotBusy(() => this.#run(statement, sql, values), this.#busyTimeoutMs)
  }

  /** Runs every statement in `sql`. Not retried when busy: the statements before the busy one have run. */
  sequence(sql: string): void {
    this.#db.exec(sql)
  }

  describe(sql: string): Description {
    const statement = this.#db.prepare(sql)
    const program = this.#program(sql)
    const isExplain = EXPLAIN.test(sql)
    const writes = program.some(
      ([, opcode, , p2]) => (opcode === 'Transaction' && p2 !== 0) || WRITING_OPCODES.has(opcode),
    )
    return {
      params: parameters(program),
      columns: columns(statement),
      isExplain,
      isReadonly: isExplain || !writes,
    }
  }

  /** Rolls back a transaction a stream left open, so that the next stream starts afresh. */
  rollback(): void {
    if (this.#db.inTransaction) this.#db.exec('ROLLBACK')
  }

  /** Closes the connection, rolling back a transaction its stream left open. */
  close(): void {
    this.rollback()
    this.#db.close()
  }

  /** The statement for `sql`, prepared once and kept while it is among the most recently used. */
  #prepared(sql: string): Database.Statement {
    let statement = this.#statements.get(sql)
    if (!statement) this.#statements.set(sql, (statement = this.#db.prepare(sql)))
    return statement
  }

  #run(statement: Database.Statement, sql: string, values: SqlValue[]): Execution {
    const [, totalBefore] = this.#counts()
    let rows: SqlValue[][] = []
    if (statement.reader) rows = statement.safeIntegers(true).raw(true).all(values) as SqlValue[][]
    else statement.run(values)
    const [changes, totalAfter, lastInsertRowid] = this.#counts()
    return {
      columns: columns(statement),
      rows,
      affectedRowCount: totalAfter === totalBefore ? 0 : Number(changes),
      // As sqld does: the last rowid only means something after an INSERT.
      lastInsertRowid: INSERT.test(sql) ? lastInsertRowid : null,
    }
  }

  #counts(): [changes: bigint, total: bigint, lastInsertRowid: bigint] {
    return this.#counters.get() as [bigint, bigint, bigint]
  }

  /**
   * Named arguments in SQLite's parameter order. libsql's own named binding aborts the process when the
   * statement also has a bare `?`, and libsql does not expose SQLite's parameter names, so they are read
   * from the compiled program.
   */
  #byPosition(sql: string, named: Map<string, SqlValue>): SqlValue[] {
    return parameters(this.#program(sql)).map((name) =>
      name === null ? null : (named.get(name) ?? named.get(name.slice(1)) ?? null),
    )
  }

  #program(sql: string): Op[] {
    return this.#db
      .prepare(`EXPLAIN ${sql.replace(EXPLAIN, '')}`)
      .raw(true)
      .all() as Op[]
  }
}

/**
 * The wire form of a statement's failure, as sqld reports it: SQLite's message after `SQLite error: `, and
 * the primary result code (`SQLITE_CONSTRAINT` for `SQLITE_CONSTRAINT_UNIQUE`). Anything else is rethrown.
 *
 * @example
 * statementFailure(uniqueViolation)
 * // { message: 'SQLite error: UNIQUE constraint failed: t.c', code: 'SQLITE_CONSTRAINT' }
 */
export function statementFailure(error: unknown): { message: string; code: string } {
  if (error instanceof StatementError) return { message: error.message, code: error.code }
  if (!(error instanceof Database.SqliteError)) throw error
  // libsql reports SQL without a statement (blank, or only comments) as the error "not an error".
  if (error.code === 'SQLITE_OK')
    return { message: 'SQL string does not contain any statement', code: 'SQL_NO_STATEMENT' }
  return { message: `SQLite error: ${error.message}`, code: error.code.split('_', 2).join('_') }
}

function columns(statement: Database.Statement): Column[] {
  return statement.columns().map(({ name, type }) => ({ name, decltype: type }))
}

function parameters(program: Op[]): (string | null)[] {
  const names: (string | null)[] = []
  for (const [, opcode, p1, , , p4] of program) if (opcode === 'Variable') names[p1 - 1] = p4
  return Array.from(names, (name) => name ?? null)
}

// Lock waits happen between attempts here rather than in SQLite's busy handler, which would block the
// event loop: a stream of this server holding the write lock could then never commit, and every wait
// would time out.
async function whenNotBusy<T>(attempt: () => T, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (let pause = 1; ; pause = Math.min(2 * pause, 50)) {
    try {
      return attempt()
    } catch (error) {
      // Only plain SQLITE_BUSY clears by waiting; a stale snapshot (SQLITE_BUSY_SNAPSHOT) needs a new
      // transaction.
      const busy = error instanceof Database.SqliteError && error.rawCode === SQLITE_BUSY
      if (!busy) throw error
      if (Date.now() >= deadline) throw new BusyTimeoutError()
      await sleep(pause)
    }
  }
}
