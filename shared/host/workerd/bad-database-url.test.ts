import { Miniflare } from 'miniflare'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_REDIS_URL, uniquePrefix } from '../../testing/redis.ts'
import { buildEdgeWorkers } from '../../../tools/edge/edge-workers.ts'
import { TEST_SECRET, testTokens } from '../../testing/tokens.ts'

// The customers worker's bundle under workerd (Miniflare), once per bad LIBSQL_URL_CUSTOMERS.
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
const tokens = testTokens()
let dir: string
let mf: Miniflare
let urls: Record<string, string>
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pitstop-bad-url-workerd-'))
  const customers = (await buildEdgeWorkers(join(dir, 'build'))).find((w) => w.name === 'pitstop-customers')!
  urls = {
    'not-a-url': 'not a url',
    'no-host': 'libsql://',
    unreachable: `http://127.0.0.1:${await closedPort()}`,
  }
  mf = new Miniflare({
    workers: Object.entries(urls).map(([name, url]) => ({
      name,
      modules: true,
      scriptPath: customers.script,
      modulesRoot: dirname(customers.script),
      compatibilityDate: '2026-04-01',
      compatibilityFlags: ['nodejs_compat'],
      bindings: {
        STREAM_PREFIX: uniquePrefix('bad-url-workerd'),
        REDIS_URL: TEST_REDIS_URL,
        LOG_LEVEL: 'silent',
        AUTH_SECRET: TEST_SECRET,
        LIBSQL_URL_CUSTOMERS: url,
      },
    })),
  })
}, 120_000)
afterAll(async () => {
  await tokens.close()
  await mf?.dispose()
  await rm(dir, { recursive: true, force: true })
})

const health = async (worker: string) => {
  // Miniflare's Fetcher type does not resolve here; its worker handles do have `fetch`.
  const handle = (await mf.getWorker(worker)) as unknown as {
    fetch(url: string, init?: RequestInit): Promise<Response>
  }
  // As the manager: only the manager learns from /health what is failing.
  const { token } = await tokens.issue({ role: 'manager', email: 'manager@pitstop.local' }, 60_000, worker)
  const response = await handle.fetch('http://customers.test/health', {
    headers: { 'x-request-id': `bad-url-${worker}`, authorization: `Bearer ${token}` },
  })
  // Misconfigured or not, the worker answers under the apps' conventions.
  expect(response.headers.get('x-request-id')).toBe(`bad-url-${worker}`)
  expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  expect(response.headers.get('x-frame-options')).toBe('DENY')
  expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: (await response.json()) as Record<string, unknown>,
  }
}

describe('the customers worker with a bad LIBSQL_URL_CUSTOMERS', () => {
  it('names the variable when the value is no URL, in a 500 problem+json with a request id and the security headers', async () => {
    const { status, type, body } = await health('not-a-url')
    expect(status).toBe(500)
    expect(type).toBe('application/problem+json')
    expect(body.detail).toContain('LIBSQL_URL_CUSTOMERS')
  })

  it('names the variable and says the URL names no host, rather than an obscure "Invalid URL"', async () => {
    const { status, body } = await health('no-host')
    expect(status).toBe(500)
    expect(body.detail).toContain('LIBSQL_URL_CUSTOMERS: names no host')
  })

  it('answers /health 503 naming the failing database when nothing listens there', async () => {
    const { status, body } = await health('unreachable')
    expect(status).toBe(503)
    expect(body).toMatchObject({ status: 'failing', database: expect.stringMatching(/^failing: /) })
  })

  it('tells an anonymous caller only that it is failing, with the same 503', async () => {
    const handle = (await mf.getWorker('unreachable')) as unknown as { fetch(url: string): Promise<Response> }
    const response = await handle.fetch('http://customers.test/health')
    expect(response.status).toBe(503)
    expect(await response.json()).toEqual({ status: 'failing' })
  })
})
