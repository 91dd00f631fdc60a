import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { TEST_REDIS_URL, uniquePrefix } from '../../testing/redis.ts'

const root = new URL('../../../', import.meta.url).pathname

describe.each(['catch-up', 'rebuild'])('npm run %s', (command) => {
  it('names the variable and the service of a database it cannot open, in one line, and exits 1', async () => {
    const env = {
      ...process.env,
      STREAM_PREFIX: uniquePrefix('read-models'),
      REDIS_URL: TEST_REDIS_URL,
      SERVICES: 'workshop',
      LIBSQL_URL_WORKSHOP: 'ftp://x',
    }
    const { code, stderr } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'shared/host/node/read-models.ts', command],
      { cwd: root, env },
    ).then(
      (r) => ({ ...r, code: 0 }),
      (e: { stderr: string; code: number }) => e,
    )
    expect(code).toBe(1)
    expect(stderr.trimEnd()).toBe(
      'LIBSQL_URL_WORKSHOP="ftp://x" (the database of service workshop) has the scheme ftp:; libSQL takes file:, http(s):, libsql: or ws(s):',
    )
  })
})
