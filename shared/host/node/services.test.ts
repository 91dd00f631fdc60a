import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../../testing/redis.ts'

const root = new URL('../../../', import.meta.url).pathname
const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
// `npm start` and `npm run start:deno`, without npm in between.
const hosts = {
  node: [process.execPath, ['--import', 'tsx', 'shared/host/node/main.ts']],
  deno: [
    join(root, 'node_modules/.bin/deno'),
    (scripts['start:deno'] as string).replace(/^exec deno /, '').split(' '),
  ],
} as const
const redis = new Redis(TEST_REDIS_URL)
const prefix = uniquePrefix('bad-database')
let dataDir: string
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pitstop-bad-database-'))
})
afterAll(async () => {
  await deleteKeys(prefix)
  redis.disconnect()
  await rm(dataDir, { recursive: true, force: true })
})

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

async function startHost(host: keyof typeof hosts, env: Record<string, string>) {
  const [binary, args] = hosts[host]
  const { stdout, stderr, code } = await promisify(execFile)(binary, [...args], {
    cwd: root,
    // A host that starts after all would serve on: stopped within the test's time.
    timeout: 20_000,
    killSignal: 'SIGKILL',
    env: {
      ...process.env,
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      REDIS_URL: TEST_REDIS_URL,
      STREAM_PREFIX: prefix,
      LOG_FORMAT: 'json',
      ...env,
    },
  }).then(
    (r) => ({ ...r, code: 0 }),
    (e: { stdout: string; stderr: string; code: number }) => e,
  )
  return { code, lines: `${stdout}${stderr}`.trimEnd().split('\n') }
}

describe('the Node host with a bad LIBSQL_URL_<SERVICE>', () => {
  it.each([
    ['not a URL', async () => 'not a url', 'is not a URL'],
    ['a scheme libSQL does not take', async () => 'ftp://x', 'has the scheme ftp:'],
    ['a URL without a host', async () => 'libsql://', 'names no host'],
    [
      'a server where nothing listens',
      async () => `http://127.0.0.1:${await freePort()}`,
      'cannot be opened: connect ECONNREFUSED',
    ],
  ])('says which variable and service in one fatal line and exits 1, for %s', async (_, url, reason) => {
    // The workshop first: its consumer group would join before the customers' database is tried.
    const { code, lines } = await startHost('node', {
      SERVICES: 'workshop,customers',
      LIBSQL_URL_CUSTOMERS: await url(),
    })
    expect(code).toBe(1)
    expect(lines).toHaveLength(1)
    const line = JSON.parse(lines[0]!)
    expect(line.level).toBe(60)
    expect(line.msg).toMatch(/^LIBSQL_URL_CUSTOMERS="[^"]*" \(the database of service customers\) /)
    expect(line.msg).toContain(reason)
    // Stopped before the workshop's consumer group joined (which makes the streams it reads).
    expect(await redis.keys(`${prefix}*`)).toEqual([])
  })

  it('does so under Deno too', async () => {
    const { code, lines } = await startHost('deno', { LIBSQL_URL_CUSTOMERS: 'ftp://x' })
    expect(code).toBe(1)
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!).msg).toMatch(
      /^LIBSQL_URL_CUSTOMERS="ftp:\/\/x" \(the database of service customers\) has the scheme ftp:/,
    )
  })

  it('checks the URLs of services that run elsewhere too, before opening its own', async () => {
    const { code, lines } = await startHost('node', {
      SERVICES: 'customers',
      LIBSQL_URL_VEHICLES: 'libsql://',
    })
    expect(code).toBe(1)
    expect(JSON.parse(lines[0]!).msg).toContain('LIBSQL_URL_VEHICLES="libsql://"')
  })
})
