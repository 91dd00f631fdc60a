import {
  createClient,
  LibsqlBatchError,
  LibsqlError,
  type Client,
  type Config,
  type ResultSet,
} from '@libsql/client'
// The Hrana client that @libsql/client is built on, for the requests @libsql/client itself never sends.
import { BatchCond, openHttp } from '@libsql/hrana-client'
import { eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/libsql'
import { migrate } from 'drizzle-orm/libsql/migrator'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { customers } from '../../workers/customers/schema.ts'
import { isUniqueViolation } from '../../shared/db/database.ts'
import { sampleCustomer } from '../../shared/host/node/test-host.ts'
import { startLibsqlDevServer, type LibsqlDevServer } from './server.ts'

let dataDir: string
let server: LibsqlDevServer
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pitstop-libsql-dev-'))
  server = await startLibsqlDevServer({ dataDir, port: 0 })
})
afterAll(async () => {
  await server?.close()
  await rm(dataDir, { recursive: true, force: true })
})

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

let databases = 0
/** A database of its own for each test, so that tests sharing the server never share a file. */
const freshName = () => `db-${++databases}`

/** A client of the database `name` over HTTP, closed after the test. */
function connect(name: string, config: Partial<Config> = {}, via = server): Client {
  const client = createClient({ url: via.databaseUrl(name), ...config })
  cleanups.push(() => client.close())
  return client
}

/** The same database file opened directly, as the Node host opens it. */
function embedded(name: string): Client {
  const client = createClient({ url: `file:${join(dataDir, `${name}.db`)}` })
  cleanups.push(() => client.close())
  return client
}

/** A fresh database holding the table `t`, and a client of it. */
async function withTable(sql = 'CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT UNIQUE NOT NULL)') {
  const name = freshName()
  const client = connect(name)
  await client.execute(sql)
  return { name, client }
}

const countOf = async (client: { execute(sql: string): Promise<ResultSet> }, table = 't') =>
  (await client.execute(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n

/** Rows as plain arrays, which compare more readably than the client's row objects. */
const arrays = (rows: ArrayLike<unknown>[]) => rows.map((row) => Array.from(row))

/** The error a promise rejects with. */
async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a failure'),
    (error: unknown) => error,
  )
}

describe('the libSQL dev server executing statements', () => {
  it('round-trips null, integers, floats, unicode text, blobs and booleans', async () => {
    const { client } = await withTable(
      'CREATE TABLE v (n, i INTEGER, f REAL, t TEXT, b BLOB, a BLOB, flag INTEGER)',
    )
    const text = 'Škoda Octavia — ünïcödé 🚗, 中文, "quoted"'

    await client.execute({
      sql: 'INSERT INTO v VALUES (?, ?, ?, ?, ?, ?, ?)',
      args: [null, 42, 1.5, text, new Uint8Array([0, 1, 254, 255]), new Uint8Array([7, 8]).buffer, true],
    })
    const { rows } = await client.execute(
      'SELECT *, typeof(n), typeof(i), typeof(f), typeof(t), typeof(b), typeof(a), typeof(flag) FROM v',
    )

    const [row] = arrays(rows)
    expect(row!.slice(0, 4)).toEqual([null, 42, 1.5, text])
    expect(new Uint8Array(row![4] as ArrayBuffer)).toEqual(new Uint8Array([0, 1, 254, 255]))
    expect(new Uint8Array(row![5] as ArrayBuffer)).toEqual(new Uint8Array([7, 8]))
    expect(row!.slice(6)).toEqual([1, 'null', 'integer', 'real', 'text', 'blob', 'blob', 'integer'])
  })

  it('keeps 64-bit integers beyond 2^53 exact both ways with intMode bigint', async () => {
    const name = freshName()
    const client = connect(name, { intMode: 'bigint' })
    const values = [2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n]
    await client.execute('CREATE TABLE big (i INTEGER)')

    for (const value of values) await client.execute({ sql: 'INSERT INTO big VALUES (?)', args: [value] })
    const stored = await client.execute('SELECT i, typeof(i) FROM big ORDER BY rowid')
    const computed = await client.execute({ sql: 'SELECT ? + 1', args: [2n ** 53n + 1n] })

    expect(arrays(stored.rows)).toEqual(values.map((value) => [value, 'integer']))
    expect(computed.rows[0]![0]).toBe(2n ** 53n + 2n)
  })

  it('reports columns with their declared types, rows, rows affected and the last inserted rowid', async () => {
    const { client } = await withTable()

    const inserted = await client.execute("INSERT INTO t (c) VALUES ('a'), ('b')")
    const updated = await client.execute("UPDATE t SET c = c || '!'")
    const selected = await client.execute('SELECT id, c, length(c) AS len FROM t ORDER BY id')
    const returning = await client.execute("INSERT INTO t (c) VALUES ('c') RETURNING id")

    expect(inserted).toMatchObject({ rowsAffected: 2, lastInsertRowid: 2n, columns: [], rows: [] })
    expect(updated).toMatchObject({ rowsAffected: 2, lastInsertRowid: undefined })
    expect(selected).toMatchObject({ columns: ['id', 'c', 'len'], columnTypes: ['INTEGER', 'TEXT', ''] })
    expect(selected).toMatchObject({ rowsAffected: 0, lastInsertRowid: undefined })
    expect(selected.rows.map((row) => ({ ...row }))).toEqual([
      { id: 1, c: 'a!', len: 2 },
      { id: 2, c: 'b!', len: 2 },
    ])
    expect(returning).toMatchObject({ rowsAffected: 1, lastInsertRowid: 3n, columns: ['id'] })
    expect(arrays(returning.rows)).toEqual([[3]])
  })

  it('binds positional arguments and named ones, whichever prefix the names carry', async () => {
    const client = connect(freshName())

    const positional = await client.execute({ sql: 'SELECT ?, ?2, ?1', args: ['x', 'y'] })
    const bare = await client.execute({ sql: 'SELECT :a, @b, $c, :a', args: { a: 1, b: 2, c: 3 } })
    const prefixed = await client.execute({ sql: 'SELECT :a, @b, $c', args: { ':a': 1, '@b': 2, $c: 3 } })
    // sqld binds NULL to a `?` among named arguments; libsql itself would abort the process.
    const mixed = await client.execute({ sql: 'SELECT :a, ?', args: { a: 1 } })

    expect(arrays(positional.rows)).toEqual([['x', 'y', 'x']])
    expect(arrays(bare.rows)).toEqual([[1, 2, 3, 1]])
    expect(arrays(prefixed.rows)).toEqual([[1, 2, 3]])
    expect(arrays(mixed.rows)).toEqual([[1, null]])
  })

  it("raises a syntax error as a LibsqlError carrying SQLite's message", async () => {
    const client = connect(freshName())

    const error = await failureOf(client.execute('SELEC 1'))

    expect(error).toBeInstanceOf(LibsqlError)
    expect(error).toMatchObject({
      code: 'SQLITE_ERROR',
      message: expect.stringMatching(/near "SELEC": syntax error/),
    })
  })

  it('raises constraint violations with the text isUniqueViolation looks for', async () => {
    const { client } = await withTable()
    await client.execute("INSERT INTO t (c) VALUES ('taken')")

    const unique = await failureOf(client.execute("INSERT INTO t (c) VALUES ('taken')"))
    const notNull = await failureOf(client.execute('INSERT INTO t (c) VALUES (NULL)'))

    expect(unique).toBeInstanceOf(LibsqlError)
    expect(unique).toMatchObject({ code: 'SQLITE_CONSTRAINT' })
    expect((unique as Error).message).toContain('SQLite error: UNIQUE constraint failed: t.c')
    expect(isUniqueViolation(unique, 't.c')).toBe(true)
    expect(notNull).toMatchObject({ code: 'SQLITE_CONSTRAINT', message: expect.stringMatching(/NOT NULL/) })
  })

  it('runs several statements in one go with executeMultiple, and stops at the first failing one', async () => {
    const { client } = await withTable()

    await client.executeMultiple("INSERT INTO t (c) VALUES ('a'); INSERT INTO t (c) VALUES ('b');")
    const error = await failureOf(
      client.executeMultiple("INSERT INTO t (c) VALUES ('c'); INSERT INTO nope VALUES (1)"),
    )

    expect(error).toMatchObject({
      code: 'SQLITE_ERROR',
      message: expect.stringMatching(/no such table: nope/),
    })
    expect(arrays((await client.execute('SELECT c FROM t ORDER BY id')).rows)).toEqual([['a'], ['b'], ['c']])
  })
})

describe('the libSQL dev server running batches and transactions', () => {
  it('commits a write batch as a whole', async () => {
    const { client } = await withTable()

    const results = await client.batch(
      [
        { sql: 'INSERT INTO t (c) VALUES (?)', args: ['a'] },
        { sql: 'INSERT INTO t (c) VALUES (?)', args: ['b'] },
        'SELECT c FROM t ORDER BY id',
      ],
      'write',
    )

    expect(results.map((result) => result.rowsAffected)).toEqual([1, 1, 0])
    expect(arrays(results[2]!.rows)).toEqual([['a'], ['b']])
  })

  it('rolls back the earlier statements of a batch whose later statement fails, and raises the failure', async () => {
    const { client } = await withTable()
    await client.execute("INSERT INTO t (c) VALUES ('taken')")

    const error = await failureOf(
      client.batch(["INSERT INTO t (c) VALUES ('new')", "INSERT INTO t (c) VALUES ('taken')"], 'write'),
    )

    expect(error).toBeInstanceOf(LibsqlBatchError)
    expect(error).toMatchObject({ statementIndex: 1, code: 'SQLITE_CONSTRAINT' })
    expect(isUniqueViolation(error, 't.c')).toBe(true)
    expect(arrays((await client.execute('SELECT c FROM t')).rows)).toEqual([['taken']])
  })

  it('keeps an interactive transaction open across requests until it commits', async () => {
    const { name, client } = await withTable()
    const other = connect(name)

    const tx = await client.transaction('write')
    await tx.execute("INSERT INTO t (c) VALUES ('a')")
    await tx.batch(["INSERT INTO t (c) VALUES ('b')"])
    const inside = await countOf(tx)
    const outside = await countOf(other)
    await tx.commit()

    expect([inside, outside]).toEqual([2, 0])
    expect(await countOf(other)).toBe(2)
  })

  it('stores, reuses and drops SQL texts on a stream as the client caches more statements than it keeps', async () => {
    const { client } = await withTable()
    const statements = Array.from({ length: 40 }, (_, i) => `INSERT OR IGNORE INTO t (c) VALUES ('row ${i}')`)

    const tx = await client.transaction('write')
    for (const sql of [...statements, ...statements.slice(0, 5)]) await tx.execute(sql)
    await tx.commit()

    expect(await countOf(client)).toBe(40)
  })

  it('discards an interactive transaction that rolls back', async () => {
    const { client } = await withTable()

    const tx = await client.transaction('write')
    await tx.execute("INSERT INTO t (c) VALUES ('a')")
    await tx.rollback()

    expect(await countOf(client)).toBe(0)
    expect(tx.closed).toBe(true)
  })

  it('makes a second writer wait for the transaction holding the lock, while other requests go on', async () => {
    const { name, client } = await withTable()
    const tx = await client.transaction('write')
    await tx.execute("INSERT INTO t (c) VALUES ('first')")

    let settled = false
    const second = connect(name)
      .execute("INSERT INTO t (c) VALUES ('second')")
      .finally(() => (settled = true))
    await sleep(200)
    const meanwhile = await countOf(connect(name))
    expect([settled, meanwhile]).toEqual([false, 0])
    await tx.commit()
    await second

    expect(arrays((await client.execute('SELECT c FROM t ORDER BY id')).rows)).toEqual([
      ['first'],
      ['second'],
    ])
  })

  it('rolls back a stream left idle and refuses its baton, so a crashed client cannot hold the lock', async () => {
    const impatient = await startLibsqlDevServer({ dataDir, port: 0, streamIdleMs: 100 })
    cleanups.push(() => impatient.close())
    const { name } = await withTable()
    const abandoning = connect(name, {}, impatient)
    const tx = await abandoning.transaction('write')
    await tx.execute("INSERT INTO t (c) VALUES ('abandoned')")
    await sleep(300)

    await connect(name, {}, impatient).execute("INSERT INTO t (c) VALUES ('next')")
    const error = await failureOf(tx.commit())

    expect(error).toMatchObject({ code: 'STREAM_EXPIRED', message: expect.stringMatching(/expired/) })
    expect(arrays((await connect(name).execute('SELECT c FROM t')).rows)).toEqual([['next']])
  })

  it('answers SQLITE_BUSY once a lock is held past the busy timeout, and commits later writes', async () => {
    const hasty = await startLibsqlDevServer({ dataDir, port: 0, busyTimeoutMs: 100 })
    cleanups.push(() => hasty.close())
    const { name } = await withTable()
    const client = connect(name, {}, hasty)
    const host = await embedded(name).transaction('write')
    await host.execute("INSERT INTO t (c) VALUES ('held')")

    const error = await failureOf(client.execute("INSERT INTO t (c) VALUES ('refused')"))
    await host.commit()
    await client.execute("INSERT INTO t (c) VALUES ('later')")

    expect(error).toMatchObject({ code: 'SQLITE_BUSY', message: expect.stringMatching(/database is locked/) })
    expect(arrays((await client.execute('SELECT c FROM t ORDER BY id')).rows)).toEqual([['held'], ['later']])
  })

  it('evaluates ok, error, not, and and or conditions, a skipped step being neither ok nor error', async () => {
    const hrana = openHttp(server.databaseUrl(freshName()))
    cleanups.push(() => hrana.close())
    const batch = hrana.openStream().batch(false)

    const failing = batch.step()
    const failed = failureOf(failing.run('SELECT * FROM missing'))
    const skipped = batch.step().condition(BatchCond.ok(failing))
    const steps = [
      skipped.queryValue('SELECT 1'),
      batch.step().condition(BatchCond.error(failing)).queryValue('SELECT 2'),
      batch
        .step()
        .condition(BatchCond.or(batch, [BatchCond.ok(skipped), BatchCond.error(skipped)]))
        .queryValue('SELECT 3'),
      batch
        .step()
        .condition(BatchCond.and(batch, [BatchCond.not(BatchCond.ok(failing))]))
        .queryValue('SELECT 4'),
    ]
    await batch.execute()

    expect(await failed).toMatchObject({ message: expect.stringMatching(/no such table: missing/) })
    expect((await Promise.all(steps)).map((result) => result?.value)).toEqual([undefined, 2, undefined, 4])
  })
})

describe('the libSQL dev server reusing connections and statements', () => {
  it('rolls back what a stream left uncommitted before its connection serves the next stream', async () => {
    const { name, client } = await withTable()
    const hrana = openHttp(server.databaseUrl(name))
    cleanups.push(() => hrana.close())

    const stream = hrana.openStream()
    await stream.run('BEGIN')
    await stream.run("INSERT INTO t (c) VALUES ('never committed')")
    stream.close()
    await client.execute("INSERT INTO t (c) VALUES ('committed')")

    expect(arrays((await client.execute('SELECT c FROM t')).rows)).toEqual([['committed']])
    expect(arrays((await embedded(name).execute('SELECT c FROM t')).rows)).toEqual([['committed']])
  })

  it('answers a statement it ran before with the columns the schema has now', async () => {
    const { client } = await withTable()
    await client.execute("INSERT INTO t (c) VALUES ('a')")
    const before = await client.execute('SELECT * FROM t')

    await client.execute("ALTER TABLE t ADD COLUMN d TEXT NOT NULL DEFAULT 'new'")
    const after = await client.execute('SELECT * FROM t')

    expect(before.columns).toEqual(['id', 'c'])
    expect(after.columns).toEqual(['id', 'c', 'd'])
    expect(arrays(after.rows)).toEqual([[1, 'a', 'new']])
  })
})

describe('the libSQL dev server describing statements', () => {
  it("reports a statement's parameters, columns and whether it writes", async () => {
    const name = freshName()
    await connect(name).execute('CREATE TABLE t (id INTEGER PRIMARY KEY, c TEXT)')
    const hrana = openHttp(server.databaseUrl(name))
    cleanups.push(() => hrana.close())
    const stream = hrana.openStream()

    const select = await stream.describe('SELECT id, c FROM t WHERE id = :id OR c = ? OR c = @c')
    const insert = await stream.describe('INSERT INTO t (c) VALUES (?)')
    const explain = await stream.describe('EXPLAIN QUERY PLAN SELECT * FROM t WHERE id = ?')

    expect(select).toEqual({
      paramNames: [':id', undefined, '@c'],
      columns: [
        { name: 'id', decltype: 'INTEGER' },
        { name: 'c', decltype: 'TEXT' },
      ],
      isExplain: false,
      isReadonly: true,
    })
    expect(insert).toMatchObject({
      paramNames: [undefined],
      columns: [],
      isExplain: false,
      isReadonly: false,
    })
    expect(explain).toMatchObject({ paramNames: [undefined], isExplain: true, isReadonly: true })
  })
})

describe('the libSQL dev server serving database files', () => {
  it("applies migrations with the client's migrate", async () => {
    const client = connect(freshName())

    await client.migrate([
      'CREATE TABLE a (id INTEGER PRIMARY KEY)',
      'CREATE TABLE b (a_id REFERENCES a (id))',
    ])

    const tables = await client.execute("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    expect(arrays(tables.rows)).toEqual([['a'], ['b']])
  })

  it("runs the project's drizzle migrations and queries through drizzle-orm/libsql", async () => {
    const db = drizzle(connect(freshName()))
    const migrationsFolder = fileURLToPath(new URL('../../migrations/customers', import.meta.url))

    await migrate(db, { migrationsFolder })
    await migrate(db, { migrationsFolder })
    await db.batch([
      db.insert(customers).values(sampleCustomer('c-1')),
      db.insert(customers).values(sampleCustomer('c-2')),
    ])
    const duplicate = await failureOf(db.insert(customers).values(sampleCustomer('c-1')))

    expect(await db.select().from(customers).where(eq(customers.customerId, 'c-2'))).toEqual([
      sampleCustomer('c-2'),
    ])
    expect(isUniqueViolation(duplicate, 'customers.customer_id')).toBe(true)
  })

  it('keeps two databases served side by side apart', async () => {
    const [a, b] = [freshName(), freshName()]
    for (const [name, value] of [
      [a, 'in a'],
      [b, 'in b'],
    ] as const) {
      await connect(name).batch([
        'CREATE TABLE t (c TEXT)',
        { sql: 'INSERT INTO t VALUES (?)', args: [value] },
      ])
    }

    expect(arrays((await connect(a).execute('SELECT c FROM t')).rows)).toEqual([['in a']])
    expect(arrays((await connect(b).execute('SELECT c FROM t')).rows)).toEqual([['in b']])
    expect(await readdir(dataDir)).toEqual(expect.arrayContaining([`${a}.db`, `${b}.db`]))
  })

  it('shares its files with the embedded client the Node host uses, in WAL mode', async () => {
    const { name, client } = await withTable()
    const local = embedded(name)

    await client.execute("INSERT INTO t (c) VALUES ('over http')")
    await local.execute("INSERT INTO t (c) VALUES ('in process')")

    expect(arrays((await local.execute('SELECT c FROM t ORDER BY id')).rows)).toEqual([
      ['over http'],
      ['in process'],
    ])
    expect(arrays((await client.execute('SELECT c FROM t ORDER BY id')).rows)).toEqual([
      ['over http'],
      ['in process'],
    ])
    expect((await local.execute('PRAGMA journal_mode')).rows[0]![0]).toBe('wal')
  })

  it('syncs every commit before answering it, as the Node host does by default (synchronous FULL)', async () => {
    const { client } = await withTable()

    expect((await client.execute('PRAGMA synchronous')).rows[0]![0]).toBe(2)
  })

  it('tells a client whose URL lacks the trailing slash where databases are served', async () => {
    const client = createClient({ url: server.databaseUrl('customers').replace(/\/$/, '') })
    cleanups.push(() => client.close())

    const error = await failureOf(client.execute('SELECT 1'))

    expect(error).toMatchObject({
      message: expect.stringMatching(/404.*\/<name>\/ \(mind the trailing slash\)/),
    })
  })

  it('answers the version check of the HTTP API', async () => {
    const response = await fetch(`${server.databaseUrl(freshName())}v2`)

    expect(response.status).toBe(200)
  })
})
