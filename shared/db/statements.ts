import type { Client, InValue } from '@libsql/client'
import { getTableColumns, is, Param, Placeholder, sql, type Table } from 'drizzle-orm'
import type { Db } from './database.ts'

/** SQL and its arguments, ready for libSQL. */
export interface Statement {
  readonly sql: string
  readonly args: InValue[]
}

/** A drizzle query (`db.insert(t).values(row)`, `db.update(…)`…). */
type Query = { toSQL(): { sql: string; params: unknown[] } }

/** What goes into a transaction: a drizzle query built for this call, or rows for a compiled insert. */
export type Write = Statement | Query

// drizzle builds a query's SQL anew on every call, and libSQL prepares every statement it runs: tens
// of µs each. Hot paths therefore compile their inserts once and hand over rows; adjacent rows for the
// same insert then run as one multi-row statement.

/**
 * The most parameters one statement binds. SQLite refuses more than SQLITE_MAX_VARIABLE_NUMBER ("too
 * many SQL variables"): 32,766 by default since 3.32, in the embedded libSQL as in sqld and Turso.
 */
export const maxParameters = 32_766

/** An insert drizzle wrote once for one row of placeholders, split around its VALUES tuple. */
interface CompiledInsert {
  /** The table it inserts into, as drizzle names it in `head`. */
  table: string
  head: string
  tuple: string
  tail: string
  /** Per parameter of the tuple, its value taken from a row. */
  slots: ((row: Record<string, unknown>) => InValue)[]
  /** The most rows one statement takes, keeping within `maxParameters`. */
  rowsPerStatement: number
}

/** Rows for a compiled insert. */
class InsertRows implements Statement {
  constructor(
    readonly insert: CompiledInsert,
    readonly rows: object[],
  ) {}

  get sql(): string {
    const { head, tuple, tail } = this.insert
    return head + Array(this.rows.length).fill(tuple).join(', ') + tail
  }

  get args(): InValue[] {
    const { slots } = this.insert
    const args: InValue[] = []
    for (const row of this.rows) for (const slot of slots) args.push(slot(row as Record<string, unknown>))
    return args
  }
}

/**
 * Compiles `db.insert(t).values(placeholders(t))` once, with any `onConflict…` clause (its values
 * taken from `excluded.<column>`); each call gives the statement inserting `rows`. Several rows, or
 * adjacent calls in one `commitWrites`, make one multi-row insert, which SQLite applies row by row
 * just as separate inserts; `commitWrites` splits them into as many statements as `maxParameters` needs.
 *
 * @example
 * const insertCustomers = compileInsert<Customer>(db.insert(customers).values(placeholders(customers)))
 * await commitWrites(db, [insertCustomers([ann]), insertCustomers([bo])]) // one statement, two rows
 */
export function compileInsert<TRow extends object>(query: Query): (rows: TRow[]) => Statement {
  const { sql, params } = query.toSQL()
  // drizzle writes the tuple as `(?, null, ?)`: no parentheses inside.
  const start = sql.indexOf(' values (') + ' values '.length
  const end = sql.indexOf(')', start) + 1
  if (start < ' values '.length || end === 0) throw new Error(`Not a single-row insert: ${sql}`)
  // Each row repeats the tuple's parameters only: a conflict clause refers to `excluded.<column>`.
  if (sql.slice(start, end).split('?').length - 1 !== params.length)
    throw new Error(`Parameters outside the VALUES tuple (use excluded.<column>): ${sql}`)
  const insert = {
    table: /^insert into\s+("[^"]+"|\S+)/i.exec(sql)?.[1] ?? sql,
    head: sql.slice(0, start),
    tuple: sql.slice(start, end),
    tail: sql.slice(end),
    slots: params.map(slotOf),
    rowsPerStatement: Math.max(1, Math.floor(maxParameters / params.length)),
  }
  return (rows) => new InsertRows(insert, rows)
}

/** Reads a placeholder's value from a row, through its column's encoder when drizzle gave one. */
function slotOf(param: unknown): (row: Record<string, unknown>) => InValue {
  if (is(param, Param) && is(param.value, Placeholder)) {
    const { name } = param.value
    return (row) => param.encoder.mapToDriverValue(valueOf(row, name)) as InValue
  }
  if (is(param, Placeholder)) return (row) => valueOf(row, param.name) as InValue
  return () => param as InValue
}

function valueOf(row: Record<string, unknown>, name: string): unknown {
  if (row[name] === undefined) throw new Error(`No value for "${name}"`)
  return row[name]
}

/**
 * `{ column: sql.placeholder('column') }` for the named columns of `table` (all of them when none are
 * named): the values of an insert for `compileInsert`.
 *
 * @example
 * const insertInbox = compileInsert<InboxRow>(db.insert(inbox).values(placeholders(inbox, ['eventId', 'type'])))
 */
export function placeholders<TTable extends Table, TColumn extends keyof TTable['$inferInsert'] & string>(
  table: TTable,
  columns: TColumn[] = Object.keys(getTableColumns(table)) as TColumn[],
): { [K in TColumn]: Placeholder<K> } {
  return Object.fromEntries(columns.map((column) => [column, sql.placeholder(column)])) as never
}

/**
 * Runs `writes` as one transaction: all of them or none.
 *
 * @example
 * await commitWrites(db, [db.update(jobs).set(finished).where(eq(jobs.jobId, id)), insertInbox(rows)])
 */
export async function commitWrites(db: Db, writes: Write[]): Promise<void> {
  if (writes.length === 0) return
  await clientOf(db).batch(coalesce(writes).map(toStatement), 'write')
}

/**
 * Joins rows for the same compiled insert into statements of at most `rowsPerStatement` rows each, so
 * none binds more than `maxParameters`. Rows of a plain insert join its open statement even across
 * plain inserts into other tables, which commute (the kernel's tables have no foreign keys or
 * triggers), so a group commit of commands that each insert into two tables makes two statements, not
 * two per command. Another insert into the same table (its rowids would change order), an insert with
 * a conflict clause (an upsert, whose order may matter) and any other write close the open ones; an
 * upsert joins only the statement right before it.
 * Into copies: the outbox commits the same writes again one by one when a group fails.
 */
function coalesce(writes: Write[]): Write[] {
  const result: Write[] = []
  // Every InsertRows here is a copy made below, free to grow.
  let open = new Map<CompiledInsert, InsertRows>()
  for (const write of writes) {
    if (!(write instanceof InsertRows)) {
      result.push(write)
      open = new Map()
      continue
    }
    const { insert } = write
    const plain = insert.tail.trim() === ''
    const last = result.at(-1)
    if ([...open.keys()].some((other) => other !== insert && other.table === insert.table)) open = new Map()
    if (!plain) open = new Map(last instanceof InsertRows && last.insert === insert ? [[insert, last]] : [])
    let statement = open.get(insert)
    for (const row of write.rows) {
      if (statement === undefined || statement.rows.length === insert.rowsPerStatement) {
        statement = new InsertRows(insert, [])
        result.push(statement)
        open.set(insert, statement)
      }
      statement.rows.push(row)
    }
    if (!plain) open = new Map([[insert, statement!]])
  }
  return result
}

function toStatement(write: Write): Statement {
  if ('toSQL' in write) {
    const { sql, params } = write.toSQL()
    return { sql, args: params as InValue[] }
  }
  return { sql: write.sql, args: write.args }
}

// drizzle's own batch takes only its query builders; compiled statements go to the client it wraps.
const clientOf = (db: Db) => (db as Db & { $client: Client }).$client
