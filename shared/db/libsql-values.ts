import { LibsqlError, type InArgs, type InValue, type ResultSet, type Row, type Value } from '@libsql/client'
import Libsql from 'libsql'

// How `@libsql/client` converts between JavaScript and SQLite values for an embedded database (integers
// as numbers, blobs as ArrayBuffers), and reports results and errors: `file-client.ts` answers the same.

export class FileResultSet implements ResultSet {
  constructor(
    readonly columns: string[],
    readonly columnTypes: string[],
    readonly rows: Row[],
    readonly rowsAffected: number,
    readonly lastInsertRowid: bigint | undefined,
  ) {}

  toJSON() {
    const json = (value: unknown) =>
      typeof value === 'bigint'
        ? String(value)
        : value instanceof ArrayBuffer
          ? Buffer.from(value).toString('base64')
          : value
    return {
      columns: this.columns,
      columnTypes: this.columnTypes,
      rows: this.rows.map((row) => Array.prototype.map.call(row, json)),
      rowsAffected: this.rowsAffected,
      lastInsertRowid: this.lastInsertRowid === undefined ? null : String(this.lastInsertRowid),
    }
  }
}

/** A row as `@libsql/client` gives it: values by index (not enumerable) and by column name. */
export function rowOf(values: unknown[], columns: string[]): Row {
  const row = {}
  Object.defineProperty(row, 'length', { value: values.length })
  for (let i = 0; i < values.length; i++) {
    const value = valueFromSql(values[i])
    Object.defineProperty(row, i, { value })
    const column = columns[i]!
    if (!Object.hasOwn(row, column))
      Object.defineProperty(row, column, { value, enumerable: true, configurable: true, writable: true })
  }
  return row as Row
}

function valueFromSql(value: unknown): Value {
  if (typeof value === 'bigint') {
    if (value < Number.MIN_SAFE_INTEGER || value > Number.MAX_SAFE_INTEGER)
      throw new RangeError('Received integer which cannot be safely represented as a JavaScript number')
    return Number(value)
  }
  if (value instanceof Buffer) return value.buffer as ArrayBuffer
  return value as Value
}

export function valuesOf(args: InArgs): unknown[] | Record<string, unknown> {
  if (Array.isArray(args)) return args.map(valueToSql)
  const named: Record<string, unknown> = {}
  for (const name in args) named[/^[@$:]/.test(name) ? name.slice(1) : name] = valueToSql(args[name]!)
  return named
}

function valueToSql(value: InValue): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new RangeError('Only finite numbers (not Infinity or NaN) can be passed as arguments')
    return value
  }
  if (typeof value === 'bigint') {
    if (value < -(2n ** 63n) || value >= 2n ** 63n)
      throw new RangeError('bigint is too large to be represented as a 64-bit integer and passed as argument')
    return value
  }
  if (typeof value === 'boolean') return value ? 1 : 0
  if (value instanceof ArrayBuffer) return Buffer.from(value)
  if (value instanceof Date) return value.valueOf()
  if (value === undefined) throw new TypeError('undefined cannot be passed as argument to the database')
  return value
}

/** SQLite's error as `@libsql/client` reports it: base code, extended code, raw code and the cause. */
export function libsqlError(error: unknown): unknown {
  if (!(error instanceof Libsql.SqliteError)) return error
  const { message, code: extendedCode, rawCode } = error as Error & { code: string; rawCode?: number }
  const base = rawCode === undefined ? undefined : rawCode & 0xff
  const code = base === undefined ? 'SQLITE_UNKNOWN' : (baseCodes[base - 1] ?? `SQLITE_UNKNOWN_${base}`)
  return new LibsqlError(message, code, extendedCode, rawCode, error as Error)
}

/** SQLite's primary result codes from 1 on, as `SQLITE_<name>`. */
const baseCodes = (
  'ERROR INTERNAL PERM ABORT BUSY LOCKED NOMEM READONLY INTERRUPT IOERR CORRUPT NOTFOUND FULL CANTOPEN ' +
  'PROTOCOL EMPTY SCHEMA TOOBIG CONSTRAINT MISMATCH MISUSE NOLFS AUTH FORMAT RANGE NOTADB NOTICE WARNING'
)
  .split(' ')
  .map((name) => `SQLITE_${name}`)
