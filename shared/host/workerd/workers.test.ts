import { Redis } from 'ioredis'
import { Miniflare, type WorkerOptions } from 'miniflare'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { serviceStream } from '../../bus/bus.ts'
import { openDatabase } from '../../db/database.ts'
import type { Identity } from '../../auth/principal.ts'
import { serviceNames } from '../../../workers/registry.ts'
import { deleteKeys, TEST_REDIS_URL, uniquePrefix } from '../../testing/redis.ts'
import { TEST_SECRET, testTokens } from '../../testing/tokens.ts'
import { sampleCustomer, sampleVehicle } from '../node/test-host.ts'
import { bindingName, ENDPOINTS_PATH, workerName } from './gateway-env.ts'
import { startLibsqlDevServer, type LibsqlDevServer } from '../../../tools/libsql-dev-server/server.ts'
import { startUpstashBridge } from '../../../tools/upstash-bridge/server.ts'
import { buildEdgeWorkers, type BuiltWorker } from '../../../tools/edge/edge-workers.ts'

// Each worker's bundle, as `wrangler deploy` would upload it, runs inside workerd (Miniflare) against
// the real Redis and the libSQL dev server over HTTP. The workshop gets no poller binding here, so only
// its `scheduled` handler consumes, and the tests can tell that it did.
const redis = new Redis(TEST_REDIS_URL)
const prefix = uniquePrefix('workerd')
const waitLong = { timeout: 10_000, interval: 50 }
let dir: string
let built: BuiltWorker[]
let libsql: LibsqlDevServer
let mf: Miniflare
// Signed as a host would, with the secret the workers verify with; revoked through their list in Redis.
const tokens = testTokens({ prefix })
// Long-lived, so the manual clock some tests move on by days leaves them valid.
const signIn = async (identity: Identity) =>
  `Bearer ${(await tokens.issue(identity, 100 * 365 * 24 * 3_600_000, crypto.randomUUID())).token}`
const manager = await signIn({ role: 'manager', email: 'manager@pitstop.local' })
/** The request as the manager sends it, unless it carries credentials of its own. */
function asManager(init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers)
  if (!headers.has('authorization')) headers.set('authorization', manager)
  return { ...init, headers }
}

function workerOptions(vars: Record<string, string>): WorkerOptions[] {
  return built.map(({ name, script }) => ({
    name,
    modules: true,
    scriptPath: script,
    modulesRoot: dirname(script),
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat'],
    bindings: { AUTH_SECRET: TEST_SECRET, ...vars },
    serviceBindings:
      name === 'pitstop-gateway'
        ? Object.fromEntries(serviceNames.map((n) => [bindingName(n), workerName(n)]))
        : {},
  }))
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pitstop-workerd-'))
  built = await buildEdgeWorkers(join(dir, 'build'))
  libsql = await startLibsqlDevServer({ dataDir: join(dir, 'data'), port: 0 })
  for (const name of serviceNames) (await openDatabase(name, libsql.databaseUrl(name))).client.close()
  mf = new Miniflare({
    workers: workerOptions({
      STREAM_PREFIX: prefix,
      REDIS_URL: TEST_REDIS_URL,
      LOG_LEVEL: 'warn',
      CORS_ORIGINS: 'https://garage.example',
      SERVICES: serviceNames.join(','),
      ...Object.fromEntries(
        serviceNames.map((n) => [`LIBSQL_URL_${n.toUpperCase()}`, libsql.databaseUrl(n)]),
      ),
    }),
  })
}, 120_000)

afterAll(async () => {
  await mf?.dispose()
  await libsql?.close()
  await deleteKeys(prefix)
  await tokens.close()
  redis.disconnect()
  await rm(dir, { recursive: true, force: true })
})

const send = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  dispatch(`http://pitstop.test${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
const get = (path: string, headers: Record<string, string> = {}) =>
  dispatch(`http://pitstop.test${path}`, { headers })
/** Through the gateway, as the manager unless the request says otherwise. */
const dispatch = (url: string, init?: RequestInit) =>
  // Miniflare types its requests with undici's types, which the web ones fit.
  mf.dispatchFetch(url, asManager(init) as Parameters<Miniflare['dispatchFetch']>[1])
/** A worker on its own, as the gateway's service binding reaches it, as the manager unless told. */
const worker = async (name: string) => {
  // Miniflare's Fetcher type does not resolve here; its worker handles do have `fetch`.
  const handle = (await mf.getWorker(name)) as unknown as {
    fetch(url: string, init?: RequestInit): Promise<Response>
  }
  return { fetch: (url: string, init?: RequestInit) => handle.fetch(url, asManager(init)) }
}
/** What every response carries, whoever answers it: a request id and the security headers. */
const expectConventions = (response: Response, requestId?: string) => {
  expect(response.headers.get('x-request-id')).toEqual(requestId ?? expect.any(String))
  expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  expect(response.headers.get('referrer-policy')).toBe('no-referrer')
  expect(response.headers.get('x-frame-options')).toBe('DENY')
  expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
}
const streamTypes = async (service: string) =>
  ((await redis.xrange(serviceStream(prefix, service), '-', '+')) as [string, string[]][]).map(
    ([, f]) => f[1],
  )

describe('the gateway worker', () => {
  it('reports every service worker, its database and Redis on /health, and lists the APIs on /api', async () => {
    const health = await get('/health')
    expect(health.status).toBe(200)
    const report = (await health.json()) as {
      status: string
      redis: string
      services: Record<string, { consumers: { group: string }[] }>
    }
    expect(report).toMatchObject({ status: 'ok', redis: 'ok' })
    expect(Object.keys(report.services).sort()).toEqual([...serviceNames].sort())
    for (const service of Object.values(report.services)) {
      expect(service).toMatchObject({ status: 'ok', database: 'ok', unpublishedEvents: 0, problems: [] })
      for (const group of service.consumers)
        expect(group).toEqual({ group: group.group, gaps: [], deadLetters: {}, streams: expect.any(Array) })
    }
    expect(report.services.workshop!.consumers.map((g) => g.group)).toEqual(['workshop'])
    expect(await (await get('/api')).text()).toContain('GET /api/workshop/refdata/customers/{customerId}')
  })

  it('answers a path of no service with 404 problem+json', async () => {
    const response = await get('/api/nothing/here')
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toContain('application/problem+json')
  })

  it.each([
    ['GET', '/nope', 404, null],
    ['GET', '/favicon.ico', 404, null],
    ['POST', '/health', 405, 'GET, HEAD'],
    ['PUT', '/api/customers', 405, 'GET HEAD POST'],
  ])(
    'answers %s %s with %i problem+json, a request id and the security headers',
    async (method, path, status, allow) => {
      const response = await dispatch(`http://pitstop.test${path}`, { method })
      expect(response.status).toBe(status)
      expect(response.headers.get('content-type')).toBe('application/problem+json')
      expect(await response.json()).toMatchObject({ type: 'about:blank', status, instance: path })
      expect(response.headers.get('allow')?.split(', ').sort().join(' ') ?? null).toBe(
        allow?.replace(',', '') ?? null,
      )
      expect(response.headers.get('x-request-id')).toBeTruthy()
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('referrer-policy')).toBe('no-referrer')
      expect(response.headers.get('x-frame-options')).toBe('DENY')
    },
  )

  it("keeps the caller's request id through to the service worker, and serves / under a CSP", async () => {
    const listed = await dispatch('http://pitstop.test/api/customers', {
      headers: { 'x-request-id': 'edge-client-1' },
    })
    expect(listed.status).toBe(200)
    expect(listed.headers.get('x-request-id')).toBe('edge-client-1')
    expect(listed.headers.get('x-content-type-options')).toBe('nosniff')
    // The web app's pages, served by the gateway worker as by the Node host.
    const index = await get('/sign-in')
    expect(await index.clone().text()).toContain('<h1>Sign in</h1>')
    expect(index.headers.get('content-type')).toContain('text/html')
    expect(index.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    expect(index.headers.get('x-request-id')).toBeTruthy()
  })

  it('answers a CORS preflight from an origin in CORS_ORIGINS, and none from another', async () => {
    const preflight = (origin: string) =>
      dispatch('http://pitstop.test/api/customers', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      })
    const allowed = await preflight('https://garage.example')
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://garage.example')
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('credentials on the edge', () => {
  // The gateway passes them through its service bindings unchanged; each worker verifies them itself.
  const anonymously = (path: string, init: RequestInit = {}) =>
    mf.dispatchFetch(`http://pitstop.test${path}`, init as Parameters<Miniflare['dispatchFetch']>[1])

  it('tells an anonymous caller, or staff other than the manager, only whether the system is up', async () => {
    const mechanic = await signIn({ role: 'mechanic', email: 'mechanic@pitstop.local' })
    for (const headers of [{}, { authorization: mechanic }] as Record<string, string>[]) {
      const health = await anonymously('/health', { headers })
      expect(health.status).toBe(200)
      expect(await health.json()).toEqual({ status: 'ok' })
    }
    const customers = (await mf.getWorker('pitstop-customers')) as unknown as {
      fetch(url: string): Promise<Response>
    }
    expect(await (await customers.fetch('http://service/health')).json()).toEqual({ status: 'ok' })
  })

  it('refuses a request without them (401), a customer on a staff endpoint (403), and takes the session cookie', async () => {
    const anonymous = await anonymously('/api/customers')
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer')
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json')
    const customer = await signIn({ role: 'customer', customerId: 'cf-credentials' })
    expect((await get('/api/customers', { authorization: customer })).status).toBe(403)
    const cookie = `pitstop_session=${manager.slice('Bearer '.length)}`
    expect((await anonymously('/api/customers', { headers: { cookie } })).status).toBe(200)
  })

  it('stops a revoked session at every worker within a second', async () => {
    const mechanic = { role: 'mechanic', email: 'leaving@pitstop.local' } as const
    const { token, principal } = await tokens.issue(mechanic, 3_600_000, crypto.randomUUID())
    const paths = ['/api/customers', '/api/vehicles', '/api/workshop/refdata/customers']
    for (const path of paths) expect((await get(path, { authorization: `Bearer ${token}` })).status).toBe(200)
    await tokens.revoke(principal)
    await vi.waitFor(async () => {
      for (const path of paths)
        expect((await get(path, { authorization: `Bearer ${token}` })).status).toBe(401)
    }, waitLong)
  })
})

describe('the customers worker', () => {
  it('registers a customer and publishes CustomerRegistered right after the response', async () => {
    const response = await send('POST', '/api/customers', sampleCustomer('cf-1'))
    expect(response.status).toBe(201)
    expect(await response.json()).toEqual(sampleCustomer('cf-1'))
    await vi.waitFor(
      async () => expect(await streamTypes('customers')).toEqual(['CustomerRegistered']),
      waitLong,
    )
    const [[, fields] = ['', []]] = (await redis.xrange(serviceStream(prefix, 'customers'), '-', '+')) as [
      string,
      string[],
    ][]
    expect(JSON.parse(fields![3]!).actor).toBe('staff:manager@pitstop.local')
    expect((await send('POST', '/api/customers', sampleCustomer('cf-1'))).status).toBe(201) // the same again: the first answer
    expect((await send('POST', '/api/customers', sampleCustomer('cf-1', 'Someone Else'))).status).toBe(409)
  })

  it('serves many registrations at once from the one service of its isolate, and publishes every one', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `cf-many-${i}`)
    const streamIds = async () =>
      ((await redis.xrange(serviceStream(prefix, 'customers'), '-', '+')) as [string, string[]][])
        .map(([, f]) => JSON.parse(f[3]!) as { data: { customerId: string } })
        .map((event) => event.data.customerId)

    // Each commits and publishes from its own invocation: none waits on another's database request
    // or Redis connection, which workerd would cancel as hung.
    const responses = await Promise.all(ids.map((id) => send('POST', '/api/customers', sampleCustomer(id))))

    expect(responses.map((r) => r.status)).toEqual(ids.map(() => 201))
    await vi.waitFor(async () => expect(await streamIds()).toEqual(expect.arrayContaining(ids)), waitLong)
  })

  it('refuses a body over the limit with 413 and one that is not JSON with 415, both problem+json', async () => {
    const big = await send('POST', '/api/customers', {
      ...sampleCustomer('cf-big'),
      name: 'x'.repeat(2_000_000),
    })
    expect(big.status).toBe(413)
    expect(big.headers.get('content-type')).toContain('application/problem+json')
    const plain = await dispatch('http://pitstop.test/api/customers', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(sampleCustomer('cf-plain')),
    })
    expect(plain.status).toBe(415)
    expect(plain.headers.get('content-type')).toContain('application/problem+json')
    expect((await get('/api/customers/cf-big')).status).toBe(404)
    expect((await get('/api/customers/cf-plain')).status).toBe(404)
  })

  it('answers on its own (not through the gateway) with problem+json, a request id and the security headers', async () => {
    const customers = await worker('pitstop-customers')
    const wrongMethod = await customers.fetch('http://service/api/customers', { method: 'PATCH' })
    expect(wrongMethod.status).toBe(405)
    expect(wrongMethod.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST'])
    const unknown = await customers.fetch('http://service/nope', { headers: { 'x-request-id': 'direct-1' } })
    expect(unknown.status).toBe(404)
    for (const response of [wrongMethod, unknown]) {
      expect(response.headers.get('content-type')).toBe('application/problem+json')
      expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      expect(response.headers.get('x-frame-options')).toBe('DENY')
    }
    expect(unknown.headers.get('x-request-id')).toBe('direct-1')
    expect(wrongMethod.headers.get('x-request-id')).toBeTruthy()
  })

  it('answers /health and its endpoints itself, with the request id and the security headers', async () => {
    const customers = await worker('pitstop-customers')
    const health = await customers.fetch('http://service/health', { headers: { 'x-request-id': 'direct-2' } })
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', database: 'ok', redis: 'ok' })
    expectConventions(health, 'direct-2')
    const endpoints = await customers.fetch(`http://service${ENDPOINTS_PATH}`)
    expect(endpoints.status).toBe(200)
    expect(await endpoints.json()).toContain('GET /api/customers')
    expectConventions(endpoints)
  })

  it.each(['/health', ENDPOINTS_PATH])(
    'answers POST %s on its own with 405 problem+json allowing GET and HEAD',
    async (path) => {
      const response = await (
        await worker('pitstop-customers')
      ).fetch(`http://service${path}`, {
        method: 'POST',
        headers: { 'x-request-id': 'direct-3' },
      })
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')).toBe('GET, HEAD')
      expect(response.headers.get('content-type')).toBe('application/problem+json')
      expect(await response.json()).toMatchObject({ type: 'about:blank', status: 405, instance: path })
      expectConventions(response, 'direct-3')
    },
  )

  it('refuses bad input with 400 problem+json naming the fields, and writes nothing', async () => {
    const response = await send('POST', '/api/customers', { customerId: 'cf-bad', name: '' })
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toContain('application/problem+json')
    const problem = (await response.json()) as { errors: { field: string }[] }
    expect(problem.errors.map((e) => e.field)).toContain('/name')
    expect((await send('POST', '/api/customers', '{not json')).status).toBe(400)
    expect((await get('/api/customers/cf-bad')).status).toBe(404)
  })
})

describe('the vehicles worker', () => {
  it('registers a vehicle under its upper-cased license number and refuses a duplicate with 409', async () => {
    const response = await send('POST', '/api/vehicles', sampleVehicle('cf-12-ab', 'cf-1'))
    expect(response.status).toBe(201)
    expect(await response.json()).toMatchObject({ licenseNumber: 'CF-12-AB' })
    const duplicate = await send('POST', '/api/vehicles', {
      ...sampleVehicle('CF-12-AB', 'cf-1'),
      brand: 'Fiat',
    })
    expect(duplicate.status).toBe(409)
    expect(await duplicate.json()).toMatchObject({
      type: 'urn:pitstop:rule:license-number-taken',
      status: 409,
    })
    expect((await send('POST', '/api/vehicles', sampleVehicle('not a plate', 'cf-1'))).status).toBe(400)
  })
})

describe('the workshop worker', () => {
  const job = {
    jobId: 'cf-job',
    startTime: '2026-12-01T08:00:00Z',
    endTime: '2026-12-01T09:00:00Z',
    customerId: 'cf-1',
    licenseNumber: 'CF-12-AB',
    description: 'Brakes',
  }

  it('runs its consumer group from scheduled: the reference data appears after a cron tick', async () => {
    await vi.waitFor(
      async () => expect(await streamTypes('vehicles')).toEqual(['VehicleRegistered']),
      waitLong,
    )
    expect((await get('/api/workshop/refdata/customers/cf-1')).status).toBe(404)

    // Miniflare's Fetcher type leaves out `scheduled`, which its worker handles do have.
    const workshop = (await mf.getWorker('pitstop-workshop')) as unknown as {
      scheduled(options: { cron: string }): Promise<{ outcome: string }>
    }
    expect(await workshop.scheduled({ cron: '* * * * *' })).toMatchObject({ outcome: 'ok' })

    expect(await (await get('/api/workshop/refdata/customers/cf-1')).json()).toEqual(sampleCustomer('cf-1'))
    expect((await get('/api/workshop/refdata/vehicles/CF-12-AB')).status).toBe(200)
  })

  it('goes on at the next cron tick with its group as the last tick left it, not set up in Redis again', async () => {
    const workshop = (await mf.getWorker('pitstop-workshop')) as unknown as {
      scheduled(options: { cron: string }): Promise<{ outcome: string }>
    }
    expect(await workshop.scheduled({ cron: '* * * * *' })).toMatchObject({ outcome: 'ok' })
    // Every command Redis runs, of any client: those on this run's streams that create or move a group.
    const monitor = await redis.duplicate().monitor()
    const groupCommands: string[][] = []
    const end = `${prefix}-tick-done`
    let ended = false
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0]?.toLowerCase() === 'xgroup' && args[2]?.startsWith(prefix)) groupCommands.push(args)
      if (args.includes(end)) ended = true
    })
    try {
      expect((await send('POST', '/api/customers', sampleCustomer('cf-next'))).status).toBe(201)
      await vi.waitFor(async () => {
        const entries = await redis.xrange(serviceStream(prefix, 'customers'), '-', '+')
        expect(entries.some(([, fields]) => fields.join(' ').includes('cf-next'))).toBe(true)
      }, waitLong)

      expect(await workshop.scheduled({ cron: '* * * * *' })).toMatchObject({ outcome: 'ok' })

      expect((await get('/api/workshop/refdata/customers/cf-next')).status).toBe(200)
      await redis.echo(end)
      await vi.waitFor(() => expect(ended).toBe(true))
      expect(groupCommands).toEqual([])
    } finally {
      monitor.disconnect()
    }
  })

  it('plans a job against its reference data and applies the planning rules', async () => {
    expect((await send('POST', '/api/workshop/planning/2026-12-01/jobs', job)).status).toBe(201)
    const reversed = await send('POST', '/api/workshop/planning/2026-12-01/jobs', {
      ...job,
      jobId: 'cf-reversed',
      startTime: job.endTime,
      endTime: job.startTime,
    })
    expect(reversed.status).toBe(409)
    expect(await reversed.json()).toMatchObject({ type: 'urn:pitstop:rule:start-before-end' })
    const stranger = await send('POST', '/api/workshop/planning/2026-12-01/jobs', {
      ...job,
      jobId: 'cf-stranger',
      customerId: 'nobody',
    })
    expect(stranger.status).toBe(422)
    expect(await (await get('/api/workshop/planning/2026-12-01')).json()).toMatchObject({
      jobs: [{ jobId: 'cf-job', status: 'planned' }],
    })
  })

  it('refuses a bad date or body with 400 and plans nothing', async () => {
    expect((await send('POST', '/api/workshop/planning/2026-13-01/jobs', job)).status).toBe(400)
    expect(
      (await send('POST', '/api/workshop/planning/2026-12-02/jobs', { ...job, startTime: 'soon' })).status,
    ).toBe(400)
    expect(await (await get('/api/workshop/planning/2026-12-02')).json()).toMatchObject({ jobs: [] })
  })
})

describe('the clock worker', () => {
  it('tells the time through the gateway, refuses to be advanced on the system clock, and runs from cron', async () => {
    const before = Date.now()
    const clock = await get('/api/clock')
    expect(clock.status).toBe(200)
    const view = (await clock.json()) as { now: string; mode: string; timeZone: string }
    expect(view).toMatchObject({ mode: 'system', timeZone: 'UTC' })
    expect(Date.parse(view.now)).toBeGreaterThanOrEqual(before)

    const advance = await send('POST', '/api/clock/advance', { to: '2040-01-01T00:00:00Z' })
    expect(advance.status).toBe(409)
    expect(await advance.json()).toMatchObject({ type: 'urn:pitstop:rule:clock-not-manual' })

    const worker = (await mf.getWorker('pitstop-clock')) as unknown as {
      scheduled(options: { cron: string }): Promise<{ outcome: string }>
    }
    expect(await worker.scheduled({ cron: '* * * * *' })).toMatchObject({ outcome: 'ok' })
    // A fresh database: nothing passes before the clock's first midnight.
    expect(await streamTypes('clock')).toEqual([])
  })
})

describe('workers on a manual clock (CLOCK=manual)', () => {
  it('move together: an advance of the clock worker reaches the customers worker, each its own isolate', async () => {
    const manualPrefix = uniquePrefix('workerd-manual')
    const manualLibsql = await startLibsqlDevServer({ dataDir: join(dir, 'manual'), port: 0 })
    for (const name of ['clock', 'customers'])
      (await openDatabase(name, manualLibsql.databaseUrl(name))).client.close()
    const manual = new Miniflare({
      workers: workerOptions({
        STREAM_PREFIX: manualPrefix,
        REDIS_URL: TEST_REDIS_URL,
        LOG_LEVEL: 'warn',
        CLOCK: 'manual',
        LIBSQL_URL_CLOCK: manualLibsql.databaseUrl('clock'),
        LIBSQL_URL_CUSTOMERS: manualLibsql.databaseUrl('customers'),
      }).filter((w) => w.name === 'pitstop-clock' || w.name === 'pitstop-customers'),
    })
    try {
      const workerOf = async (name: string) => {
        const handle = (await manual.getWorker(name)) as unknown as {
          fetch(url: string, init?: RequestInit): Promise<Response>
        }
        return { fetch: (url: string, init?: RequestInit) => handle.fetch(url, asManager(init)) }
      }
      const clock = await workerOf('pitstop-clock')
      const customers = await workerOf('pitstop-customers')
      const { now, mode } = (await (await clock.fetch('http://service/api/clock')).json()) as {
        now: string
        mode: string
      }
      expect(mode).toBe('manual')
      const to = new Date(Date.parse(now) + 2 * 24 * 60 * 60 * 1000).toISOString()

      const advanced = await clock.fetch('http://service/api/clock/advance', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to }),
      })
      expect(advanced.status).toBe(200)
      expect(((await advanced.json()) as { daysPassed: string[] }).daysPassed).toHaveLength(2)
      const registered = await customers.fetch('http://service/api/customers', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(sampleCustomer('cf-manual')),
      })
      expect(registered.status).toBe(201)

      await vi.waitFor(async () => {
        const entries = (await redis.xrange(serviceStream(manualPrefix, 'customers'), '-', '+')) as [
          string,
          string[],
        ][]
        expect(entries.map(([, f]) => JSON.parse(f[3]!).occurredAt)).toEqual([to])
      }, waitLong)
      await vi.waitFor(
        async () => expect(await redis.xlen(serviceStream(manualPrefix, 'clock'))).toBe(2),
        waitLong,
      )
    } finally {
      await manual.dispose()
      await manualLibsql.close()
      await deleteKeys(manualPrefix)
    }
  })

  it('is refused with NODE_ENV=production: 500 problem+json naming CLOCK', async () => {
    const refused = new Miniflare({
      workers: workerOptions({
        STREAM_PREFIX: prefix,
        REDIS_URL: TEST_REDIS_URL,
        CLOCK: 'manual',
        NODE_ENV: 'production',
        LIBSQL_URL_CLOCK: libsql.databaseUrl('clock'),
      }).filter((w) => w.name === 'pitstop-clock'),
    })
    try {
      const response = await refused.dispatchFetch('http://pitstop.test/api/clock')
      expect(response.status).toBe(500)
      expect(response.headers.get('content-type')).toBe('application/problem+json')
      expect(((await response.json()) as { detail: string }).detail).toContain(
        'CLOCK=manual is refused in production (NODE_ENV=production)',
      )
    } finally {
      await refused.dispose()
    }
  })
})

describe('a worker deployed without its database binding', () => {
  it('answers 500 problem+json naming the missing variable', async () => {
    const bare = new Miniflare({
      workers: workerOptions({ STREAM_PREFIX: prefix }).filter((w) => w.name === 'pitstop-customers'),
    })
    try {
      const response = await bare.dispatchFetch('http://pitstop.test/api/customers', {
        headers: { 'x-request-id': 'bare-1' },
      })
      expect(response.status).toBe(500)
      expect(response.headers.get('content-type')).toBe('application/problem+json')
      expect(((await response.json()) as { detail: string }).detail).toContain('LIBSQL_URL_CUSTOMERS')
      expectConventions(response, 'bare-1')
    } finally {
      await bare.dispose()
    }
  })
})

describe('a gateway worker with a bad CORS_ORIGINS', () => {
  it('answers 500 problem+json naming the variable', async () => {
    const bare = new Miniflare({
      // The gateway's service bindings need their workers, misconfigured or not.
      workers: workerOptions({ CORS_ORIGINS: 'https://a.example/app' }),
    })
    try {
      const response = await bare.dispatchFetch('http://pitstop.test/health')
      expect(response.status).toBe(500)
      expect(response.headers.get('content-type')).toBe('application/problem+json')
      expect(((await response.json()) as { detail: string }).detail).toContain('CORS_ORIGINS')
      expectConventions(response)
    } finally {
      await bare.dispose()
    }
  })
})

describe('a worker on the Upstash REST bus', () => {
  it('publishes its events through the REST API (here the local bridge to Redis)', async () => {
    const upstashPrefix = uniquePrefix('workerd-upstash')
    const bridge = await startUpstashBridge({ redisUrl: TEST_REDIS_URL, port: 0, token: 'test-token' })
    const upstash = new Miniflare({
      workers: workerOptions({
        STREAM_PREFIX: upstashPrefix,
        REDIS_URL: 'redis://127.0.0.1:1', // nothing listens: every Redis call must go over REST
        UPSTASH_REDIS_REST_URL: bridge.url,
        UPSTASH_REDIS_REST_TOKEN: 'test-token',
        LIBSQL_URL_CUSTOMERS: libsql.databaseUrl('customers'),
        LOG_LEVEL: 'warn',
      }).filter((w) => w.name === 'pitstop-customers'),
    })
    try {
      expect((await upstash.dispatchFetch('http://pitstop.test/health')).status).toBe(200)
      const response = await upstash.dispatchFetch('http://pitstop.test/api/customers', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: manager },
        body: JSON.stringify(sampleCustomer('cf-upstash')),
      })
      expect(response.status).toBe(201)
      await vi.waitFor(async () => {
        const entries = (await redis.xrange(serviceStream(upstashPrefix, 'customers'), '-', '+')) as [
          string,
          string[],
        ][]
        expect(entries.map(([, f]) => JSON.parse(f[3]!).data.customerId)).toContain('cf-upstash')
      }, waitLong)
    } finally {
      await upstash.dispose()
      await bridge.close()
      await deleteKeys(upstashPrefix)
    }
  })
})
