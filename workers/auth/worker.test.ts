import { Redis } from 'ioredis'
import { Miniflare } from 'miniflare'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { revokedSessionsKey } from '../../shared/auth/revocations.ts'
import { openDatabase } from '../../shared/db/database.ts'
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../../shared/testing/redis.ts'
import { TEST_SECRET } from '../../shared/testing/tokens.ts'
import { buildEdgeWorkers } from '../../tools/edge/edge-workers.ts'
import { startLibsqlDevServer, type LibsqlDevServer } from '../../tools/libsql-dev-server/server.ts'

// The auth worker's bundle, as `wrangler deploy` would upload it, in workerd (Miniflare): Web Crypto
// PBKDF2 at 100,000 iterations, the client address from CF-Connecting-IP, Redis only inside requests.
const prefix = uniquePrefix('auth-workerd')
const redis = new Redis(TEST_REDIS_URL)
let dir: string
let libsql: LibsqlDevServer
let mf: Miniflare
let worker: { fetch(url: string, init?: RequestInit): Promise<Response> }

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pitstop-auth-workerd-'))
  const [auth] = (await buildEdgeWorkers(join(dir, 'build'))).filter((w) => w.name === 'pitstop-auth')
  libsql = await startLibsqlDevServer({ dataDir: join(dir, 'data'), port: 0 })
  ;(await openDatabase('auth', libsql.databaseUrl('auth'))).client.close()
  mf = new Miniflare({
    name: auth!.name,
    modules: true,
    scriptPath: auth!.script,
    modulesRoot: dirname(auth!.script),
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat'],
    bindings: {
      STREAM_PREFIX: prefix,
      REDIS_URL: TEST_REDIS_URL,
      LOG_LEVEL: 'silent',
      LIBSQL_URL_AUTH: libsql.databaseUrl('auth'),
      AUTH_SECRET: TEST_SECRET,
      PASSWORD_ITERATIONS: '100000',
      LOGIN_MAX_FAILURES_PER_CLIENT: '3',
    },
  })
  worker = (await mf.getWorker(auth!.name)) as unknown as typeof worker
}, 120_000)

afterAll(async () => {
  await mf?.dispose()
  await libsql?.close()
  await deleteKeys(prefix)
  redis.disconnect()
  await rm(dir, { recursive: true, force: true })
})

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  worker.fetch(`http://pitstop.test${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'cf-connecting-ip': '203.0.113.1', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
const signIn = async (email: string, password = 'pitstop', ip = '203.0.113.1') => {
  const res = await post('/api/auth/login', { email, password }, { 'cf-connecting-ip': ip })
  return { res, body: (await res.json()) as { token: string; role: string } }
}
const me = (token: string) =>
  worker.fetch('http://pitstop.test/api/auth/me', { headers: { authorization: `Bearer ${token}` } })

describe('the auth worker', () => {
  it('signs in with a password hashed at 100,000 iterations, also when /health built its isolate first', async () => {
    expect((await worker.fetch('http://pitstop.test/health')).status).toBe(200)
    const { res, body } = await signIn('manager@pitstop.local')
    expect(res.status).toBe(200)
    expect(res.headers.get('set-cookie')).toMatch(/^pitstop_session=.+; HttpOnly; SameSite=Lax$/)
    expect(await (await me(body.token)).json()).toMatchObject({ role: 'manager' })
  })

  it('throttles a client by its CF-Connecting-IP', async () => {
    for (const i of [1, 2, 3])
      expect((await signIn(`nobody-${i}@pitstop.local`, 'x', '198.51.100.7')).res.status).toBe(401)
    const refused = await signIn('support@pitstop.local', 'pitstop', '198.51.100.7')
    expect(refused.res.status).toBe(429)
    expect(refused.res.headers.get('retry-after')).toBe('900')
    expect((await signIn('support@pitstop.local', 'pitstop', '198.51.100.8')).res.status).toBe(200)
  })

  it('ends a session for good, and writes back into Redis the ended sessions it lost', async () => {
    const first = (await signIn('mechanic@pitstop.local')).body.token
    expect((await post('/api/auth/logout', undefined, { authorization: `Bearer ${first}` })).status).toBe(204)
    expect((await me(first)).status).toBe(401)
    await redis.del(revokedSessionsKey(prefix))
    const second = (await signIn('mechanic@pitstop.local')).body.token
    expect((await post('/api/auth/logout', undefined, { authorization: `Bearer ${second}` })).status).toBe(
      204,
    )
    expect(await redis.zcard(revokedSessionsKey(prefix))).toBe(2)
  })

  it("makes a customer's link with the request's origin", async () => {
    const { token } = (await signIn('support@pitstop.local', 'pitstop', '203.0.113.9')).body
    const res = await post(
      '/api/auth/customer-link',
      { customerId: 'ann' },
      { authorization: `Bearer ${token}` },
    )
    expect(res.status).toBe(201)
    const link = (await res.json()) as { url: string; token: string }
    expect(link.url).toBe(`http://pitstop.test/?token=${link.token}`)
    expect(await (await me(link.token)).json()).toMatchObject({ role: 'customer', customerId: 'ann' })
  })
})
