import { createClient, LibsqlBatchError, type Client } from '@libsql/client'
import Libsql from 'libsql'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { isConstraintViolation } from './database.ts'
import { fileClientPath, openFileClient } from './file-client.ts'

let dir: string
let url: string
const opened: Client[] = []
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pitstop-file-client-'))
  url = pathToFileURL(join(dir, 'service.db')).href
})
afterEach(async () => {
  for (const client of opened.splice(0)) client.close()
  vi.restoreAllMocks()
  await rm(dir, { recursive: true, force: true })
})

const clients = {
  '@libsql/client': (at: string) => createClient({ url: at, concurrency: 1 }),
  openFileClient: (at: string) => openFileClient(at),
}
const open = (kind: keyof typeof clients, at = url) => {
  const client = clients[kind](at)
  opened.push(client)
  return client
}
const table = 'CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, big INTEGER, data BLOB)'

// The same cases against @libsql/client and this client: it must answer exactly as the one it replaces.
describe.each(Object.keys(clients) as (keyof typeof clients)[])('a file database through %s', (kind) => {
  it('runs statements with positional and named arguments and answers rows by index and by name', async () => {
    const client = open(kind)
    await client.execute(table)
    const inserted = await client.execute({
      sql: 'INSERT INTO t (name, big, data) VALUES (?, ?, ?)',
      args: ['ann', 2n ** 40n, new Uint8Array([1, 2])],
    })
    await client.execute('INSERT INTO t (name) VALUES (:name)', { name: 'bo' })
    const result = await client.execute('SELECT id, name, big, data FROM t ORDER BY id')

    expect([inserted.rowsAffected, inserted.lastInsertRowid]).toEqual([1, 1n])
    expect(result.columns).toEqual(['id', 'name', 'big', 'data'])
    expect(result.columnTypes).toEqual(['INTEGER', 'TEXT', 'INTEGER', 'BLOB'])
    const [ann, bo] = result.rows
    expect([ann![0], ann!.name, ann!.big, ann!.length]).toEqual([1, 'ann', 2 ** 40, 4])
    expect(new Uint8Array(ann!.data as ArrayBuffer)).toEqual(new Uint8Array([1, 2]))
    expect(Object.keys(bo!)).toEqual(['id', 'name', 'big', 'data'])
    expect(result.toJSON().rows[1]).toEqual([2, 'bo', null, null])
  })

  it('commits a batch as a whole, and on a refused statement writes none of it', async () => {
    const client = open(kind)
    await client.batch([table, "INSERT INTO t (id, name) VALUES (1, 'ann')"], 'write')
    const refused = client.batch(
      ["INSERT INTO t (id, name) VALUES (2, 'bo')", "INSERT INTO t (id, name) VALUES (1, 'again')"],
      'write',
    )

    const error = await refused.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LibsqlBatchError)
    expect(error).toMatchObject({
      statementIndex: 1,
      code: 'SQLITE_CONSTRAINT',
      extendedCode: 'SQLITE_CONSTRAINT_PRIMARYKEY',
    })
    expect(isConstraintViolation(error)).toBe(true)
    expect((await client.execute('SELECT name FROM t')).rows.map((r) => r.name)).toEqual(['ann'])
  })

  it('holds its one connection for an open transaction: other calls are refused until it commits', async () => {
    const client = open(kind)
    await client.execute(table)
    const transaction = await client.transaction('write')
    await transaction.execute("INSERT INTO t (name) VALUES ('ann')")

    await expect(client.execute('SELECT 1')).rejects.toMatchObject({ code: 'TRANSACTION_ACTIVE' })
    await transaction.commit()
    expect(transaction.closed).toBe(true)
    expect((await client.execute('SELECT count(*) AS n FROM t')).rows[0]!.n).toBe(1)

    const discarded = await client.transaction('write')
    await discarded.execute("INSERT INTO t (name) VALUES ('bo')")
    await discarded.rollback()
    expect((await client.execute('SELECT count(*) AS n FROM t')).rows[0]!.n).toBe(1)
  })

  it('applies migrations all or nothing', async () => {
    const client = open(kind)
    await client.migrate([{ sql: table, args: [] }])
    await expect(
      client.migrate([
        { sql: 'CREATE TABLE u (v TEXT)', args: [] },
        { sql: 'CREATE TABLE t (again TEXT)', args: [] },
      ]),
    ).rejects.toThrow(/already exists/)
    const tables = await client.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")
    expect(tables.rows.map((r) => r.name)).toEqual(['t'])
  })

  it('refuses every call once closed, and opens again on reconnect', async () => {
    const client = open(kind)
    client.close()
    expect(client.closed).toBe(true)
    await expect(client.execute('SELECT 1')).rejects.toMatchObject({ code: 'CLIENT_CLOSED' })
    await expect(client.batch(['SELECT 1'])).rejects.toMatchObject({ code: 'CLIENT_CLOSED' })

    client.reconnect()
    expect((await client.execute('SELECT 1 AS one')).rows[0]!.one).toBe(1)
  })
})

describe('openFileClient', () => {
  it('prepares each SQL text once and runs it again with new arguments', async () => {
    const client = open('openFileClient')
    await client.execute(table)
    const prepare = vi.spyOn(Libsql.prototype, 'prepare')
    for (const name of ['ann', 'bo', 'cy'])
      await client.batch([{ sql: 'INSERT INTO t (name) VALUES (?)', args: [name] }], 'write')
    for (let i = 0; i < 3; i++) await client.execute({ sql: 'SELECT name FROM t WHERE id = ?', args: [i] })

    expect(prepare).toHaveBeenCalledTimes(2)
    const names = await client.execute('SELECT name FROM t ORDER BY id')
    expect(names.rows.map((r) => r.name)).toEqual(['ann', 'bo', 'cy'])
  })

  it("answers a kept statement with the columns of another connection's schema change", async () => {
    const client = open('openFileClient')
    await client.batch([table, "INSERT INTO t (name) VALUES ('ann')"])
    expect((await client.execute('SELECT * FROM t')).columns).toEqual(['id', 'name', 'big', 'data'])

    await open('@libsql/client').execute("ALTER TABLE t ADD COLUMN city TEXT NOT NULL DEFAULT 'Utrecht'")
    const after = await client.execute('SELECT * FROM t')
    expect(after.columns).toEqual(['id', 'name', 'big', 'data', 'city'])
    expect(after.rows[0]!.city).toBe('Utrecht')
  })

  it('prepares again after closing and reconnecting: kept statements go with their connection', async () => {
    const client = open('openFileClient')
    await client.execute(table)
    await client.execute("INSERT INTO t (name) VALUES ('ann')")
    client.reconnect()
    const prepare = vi.spyOn(Libsql.prototype, 'prepare')

    await client.execute("INSERT INTO t (name) VALUES ('ann')")
    expect(prepare).toHaveBeenCalledTimes(1)
  })

  it('takes file: URLs without a query, and leaves the others to @libsql/client', () => {
    expect(fileClientPath('file:///srv/a%20b.db')).toBe('/srv/a b.db')
    expect(fileClientPath('file:/srv/a.db')).toBe('/srv/a.db')
    expect(fileClientPath('file:data/a.db')).toBe('data/a.db')
    expect(fileClientPath('file:///srv/a.db?mode=ro')).toBeUndefined()
    expect(fileClientPath('file://host/a.db')).toBeUndefined()
    expect(fileClientPath(':memory:')).toBeUndefined()
    expect(fileClientPath('http://127.0.0.1:8081/a')).toBeUndefined()
  })
})
