import { createClient } from '@libsql/client'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLibsqlDevServer, type LibsqlDevServer } from '../../../tools/libsql-dev-server/server.ts'
import { serviceNames } from '../../../workers/registry.ts'

/** What `npm run db:migrate` prints when every service of the registry is migrated. */
const migratedLines = serviceNames.map((name) => `${name}: migrated\n`).join('')
const root = new URL('../../../', import.meta.url).pathname
let dir: string
let libsql: LibsqlDevServer
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pitstop-migrate-'))
  libsql = await startLibsqlDevServer({ dataDir: dir, port: 0 })
})
afterAll(async () => {
  await libsql.close()
  await rm(dir, { recursive: true, force: true })
})

describe('npm run db:migrate', () => {
  it('applies every service migration to databases on a libSQL server, and again changes nothing', async () => {
    const env = {
      ...process.env,
      ...Object.fromEntries(
        serviceNames.map((n) => [`LIBSQL_URL_${n.toUpperCase()}`, libsql.databaseUrl(n)]),
      ),
    }
    const migrate = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'shared/host/node/migrate.ts'], {
        cwd: root,
        env,
      })

    expect((await migrate()).stdout).toBe(migratedLines)
    await migrate()

    const workshop = createClient({ url: libsql.databaseUrl('workshop') })
    const tables = await workshop.execute("select name from sqlite_master where type = 'table' order by name")
    expect(tables.rows.map((r) => r.name)).toEqual(
      expect.arrayContaining(['events', 'inbox', 'outbox', 'jobs']),
    )
    const migrations = await workshop.execute('select count(*) as n from __drizzle_migrations')
    const journal = JSON.parse(await readFile(join(root, 'migrations/workshop/meta/_journal.json'), 'utf8'))
    expect(migrations.rows[0]!.n).toBe(journal.entries.length)
    workshop.close()
  })

  // A port nothing listens on: taken from the system, then let go.
  const closedPort = () =>
    new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number }
        server.close(() => resolve(port))
      })
    })

  it.each([
    ['not a URL', async () => 'not a url', 'is not a URL'],
    ['a scheme libSQL does not take', async () => 'ftp://x', 'has the scheme ftp:'],
    ['a URL without a host', async () => 'libsql://', 'names no host'],
    [
      'a server where nothing listens',
      async () => `http://127.0.0.1:${await closedPort()}`,
      'cannot be opened: connect ECONNREFUSED',
    ],
  ])('names the variable and the service in one line and exits 1 for %s', async (_, url, reason) => {
    const env = { ...process.env, DATA_DIR: join(dir, 'bad-url'), LIBSQL_URL_VEHICLES: await url() }
    const { code, stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'shared/host/node/migrate.ts'],
      { cwd: root, env },
    ).then(
      (r) => ({ ...r, code: 0 }),
      (e: { stdout: string; stderr: string; code: number }) => e,
    )
    expect(code).toBe(1)
    // Every URL's form is checked before any database is migrated.
    if (!reason.startsWith('cannot')) expect(stdout).toBe('')
    expect(stderr).toMatch(/^LIBSQL_URL_VEHICLES="[^"]*" \(the database of service vehicles\) /)
    expect(stderr).toContain(reason)
    expect(stderr.trimEnd().split('\n')).toHaveLength(1)
  })

  it('makes DATA_DIR when it does not exist yet, as on a fresh clone', async () => {
    const dataDir = join(dir, 'not-yet', 'data')
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'shared/host/node/migrate.ts'],
      { cwd: root, env: { ...process.env, DATA_DIR: dataDir } },
    )
    expect(stdout).toBe(migratedLines)
    const workshop = createClient({ url: `file:${join(dataDir, 'workshop.db')}` })
    expect(
      (await workshop.execute('select count(*) as n from __drizzle_migrations')).rows[0]!.n,
    ).toBeGreaterThan(0)
    workshop.close()
  })
})
