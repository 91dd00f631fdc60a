import { count } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { outbox } from '../../shared/db/kernel-schema.ts'
import { sampleCustomer } from '../../shared/host/node/test-host.ts'
import { sessions } from './schema.ts'
import { login, startAuthHost, type AuthHost } from './testing.ts'

let host: AuthHost
let support: Record<string, string>
let manager: Record<string, string>
beforeAll(async () => {
  host = await startAuthHost({ services: ['auth', 'customers'], env: { CUSTOMER_LINK_DAYS: '7' } })
  support = host.bearer((await login(host, 'support@pitstop.local', 'pitstop')).body.token)
  manager = host.bearer((await login(host, 'manager@pitstop.local', 'pitstop')).body.token)
  for (const id of ['ann', 'bo'])
    expect((await host.post('/api/customers', sampleCustomer(id), { headers: manager })).status).toBe(201)
})
afterAll(() => host.cleanup())

const DAY = 24 * 3_600_000
type Link = { url: string; token: string; expiresAt: string }
const linkFor = async (customerId: string, headers = support) => {
  const res = await host.post('/api/auth/customer-link', { customerId }, { headers })
  return { res, link: (await res.json()) as Link }
}
const written = async () => ({
  sessions: (await host.db().select({ n: count() }).from(sessions))[0]!.n,
  outbox: (await host.db().select({ n: count() }).from(outbox))[0]!.n,
})

describe('POST /api/auth/customer-link', () => {
  it("answers 201 with the customer's token, when it expires (CUSTOMER_LINK_DAYS) and a link to the web app carrying it", async () => {
    const { res, link } = await linkFor('ann')
    expect(res.status).toBe(201)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(link.expiresAt).toBe(new Date(host.clock.now().getTime() + 7 * DAY).toISOString())
    expect(link.url).toBe(`${host.url}/?token=${link.token}`)
  })

  it('makes the link https when the request came over https', async () => {
    const res = await host.post(
      '/api/auth/customer-link',
      { customerId: 'ann' },
      { headers: { ...support, 'x-forwarded-proto': 'https' } },
    )
    const { url, token } = (await res.json()) as Link
    expect(url).toBe(`${host.url.replace('http:', 'https:')}/?token=${token}`)
  })

  it('records the session, issued by the member of staff, and SessionStarted', async () => {
    const before = await written()
    const { link } = await linkFor('bo')
    expect(await written()).toEqual({ sessions: before.sessions + 1, outbox: before.outbox + 1 })
    const rows = await host.db().select().from(sessions)
    expect(rows.at(-1)).toMatchObject({
      actor: 'customer:bo',
      role: 'customer',
      issuedBy: 'staff:support@pitstop.local',
      expiresAt: link.expiresAt,
      revokedAt: null,
    })
    const started = JSON.parse((await host.db().select().from(outbox)).at(-1)!.envelope)
    expect(started).toMatchObject({
      type: 'SessionStarted',
      actor: 'staff:support@pitstop.local',
      data: { actor: 'customer:bo', role: 'customer', expiresAt: link.expiresAt },
    })
    expect(JSON.stringify(started)).not.toContain(link.token)
  })

  it('is for any member of staff: a mechanic may make one too', async () => {
    const mechanic = host.bearer((await login(host, 'mechanic@pitstop.local', 'pitstop')).body.token)
    expect((await linkFor('ann', mechanic)).res.status).toBe(201)
  })

  it('refuses a customer (403) and a caller without a session (401), and writes nothing', async () => {
    const { link } = await linkFor('ann')
    const before = await written()
    const asCustomer = await linkFor('ann', host.bearer(link.token))
    expect(asCustomer.res.status).toBe(403)
    expect(asCustomer.res.headers.get('content-type')).toBe('application/problem+json')
    expect((await linkFor('ann', {})).res.status).toBe(401)
    expect(await written()).toEqual(before)
  })

  it.each([
    ['no customerId', {}],
    ['a customerId with spaces', { customerId: 'a b' }],
    ['a customerId that is a number', { customerId: 7 }],
  ])('refuses %s with 400 naming /customerId, and writes nothing', async (_, body) => {
    const before = await written()
    const res = await host.post('/api/auth/customer-link', body, { headers: support })
    expect(res.status).toBe(400)
    const problem = (await res.json()) as { type: string; errors: { field: string }[] }
    expect(problem.type).toBe('urn:pitstop:problem:invalid-input')
    expect(problem.errors.map((e) => e.field)).toEqual(['/customerId'])
    expect(await written()).toEqual(before)
  })

  it('makes a link for a customer nobody registered, which opens nothing', async () => {
    const { res, link } = await linkFor('nobody')
    expect(res.status).toBe(201)
    expect((await host.get('/api/customers/nobody', { headers: host.bearer(link.token) })).status).toBe(404)
  })
})

describe("a customer's link", () => {
  it("opens the customer's own record and says who they are", async () => {
    const { link } = await linkFor('ann')
    const own = await host.get('/api/customers/ann', { headers: host.bearer(link.token) })
    expect(own.status).toBe(200)
    expect(await own.json()).toEqual(sampleCustomer('ann'))
    const me = await host.get('/api/auth/me', { headers: { cookie: `pitstop_session=${link.token}` } })
    expect(await me.json()).toEqual({ role: 'customer', customerId: 'ann', expiresAt: link.expiresAt })
  })

  it("does not open another customer's record, nor any staff endpoint", async () => {
    const { link } = await linkFor('ann')
    const headers = host.bearer(link.token)
    expect((await host.get('/api/customers/bo', { headers })).status).toBe(403)
    expect((await host.get('/api/customers', { headers })).status).toBe(403)
    const register = await host.post('/api/customers', sampleCustomer('eve'), { headers })
    expect(register.status).toBe(403)
    expect((await host.get('/api/customers/eve', { headers: manager })).status).toBe(404)
  })

  it('lets the customer end it', async () => {
    const { link } = await linkFor('ann')
    const headers = host.bearer(link.token)
    expect((await host.post('/api/auth/logout', undefined, { headers })).status).toBe(204)
    expect((await host.get('/api/customers/ann', { headers })).status).toBe(401)
  })

  it("is ended by staff with every other link of that customer, and no other customer's", async () => {
    const first = host.bearer((await linkFor('ann')).link.token)
    const second = host.bearer((await linkFor('ann')).link.token)
    const other = host.bearer((await linkFor('bo')).link.token)

    const res = await host.request('/api/auth/customer-link/ann', { method: 'DELETE', headers: support })
    expect(res.status).toBe(200)
    expect(((await res.json()) as { ended: number }).ended).toBeGreaterThanOrEqual(2)
    for (const headers of [first, second]) {
      const refused = await host.get('/api/customers/ann', { headers })
      expect(refused.status).toBe(401)
      expect(((await refused.json()) as { title: string }).title).toContain('ended')
    }
    expect((await host.get('/api/customers/bo', { headers: other })).status).toBe(200)
    const again = await host.request('/api/auth/customer-link/ann', { method: 'DELETE', headers: support })
    expect(await again.json()).toEqual({ ended: 0 })
  })

  it('is not for a customer to end for another (403), nor for anyone without a session (401)', async () => {
    const headers = host.bearer((await linkFor('ann')).link.token)
    const bob = host.bearer((await linkFor('bo')).link.token)
    expect((await host.request('/api/auth/customer-link/bo', { method: 'DELETE', headers })).status).toBe(403)
    expect((await host.request('/api/auth/customer-link/bo', { method: 'DELETE' })).status).toBe(401)
    expect((await host.get('/api/customers/bo', { headers: bob })).status).toBe(200)
  })

  it('expires after CUSTOMER_LINK_DAYS', async () => {
    const { link } = await linkFor('bo')
    const headers = host.bearer(link.token)
    host.clock.advance(7 * DAY - 1000)
    expect((await host.get('/api/customers/bo', { headers })).status).toBe(200)
    host.clock.advance(1000)
    expect((await host.get('/api/customers/bo', { headers })).status).toBe(401)
  })
})

describe('a customer link with PUBLIC_URL set', () => {
  it('points at PUBLIC_URL, whatever Host the request that made it named', async () => {
    const publicHost = await startAuthHost({ env: { PUBLIC_URL: 'https://garage.example/' } })
    try {
      const mechanic = publicHost.bearer(
        (await login(publicHost, 'mechanic@pitstop.local', 'pitstop')).body.token,
      )
      const res = await publicHost.post(
        '/api/auth/customer-link',
        { customerId: 'ann' },
        { headers: { ...mechanic, host: 'evil.example', 'x-forwarded-proto': 'https' } },
      )
      const { url, token } = (await res.json()) as Link
      expect(url).toBe(`https://garage.example/?token=${token}`)
    } finally {
      await publicHost.cleanup()
    }
  })
})
