import { createClient } from '@libsql/client'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLibsqlDevServer, type LibsqlDevServer } from '../libsql-dev-server/server.ts'

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
        ['customers', 'vehicles', 'workshop'].map((n) => [
          `LIBSQL_URL_${n.toUpperCase()}`,
          libsql.databaseUrl(n),
        ]),
      ),
    }
    const migrate = () =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'shared/host/node/migrate.ts'], {
        cwd: root,
        env,
      })

    expect((await migrate()).stdout).toBe('customers: migrated\nvehicles: migrated\nworkshop: migrated\n')
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

  it('makes DATA_DIR when it does not exist yet, as on a fresh clone', async () => {
    const dataDir = join(dir, 'not-yet', 'data')
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'shared/host/node/migrate.ts'],
      { cwd: root, env: { ...process.env, DATA_DIR: dataDir } },
    )
    expect(stdout).toBe('customers: migrated\nvehicles: migrated\nworkshop: migrated\n')
    const workshop = createClient({ url: `file:${join(dataDir, 'workshop.db')}` })
    expect(
      (await workshop.execute('select count(*) as n from __drizzle_migrations')).rows[0]!.n,
    ).toBeGreaterThan(0)
    workshop.close()
  })
})
