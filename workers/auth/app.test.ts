import { count } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { outbox } from '../../shared/db/kernel-schema.ts'
import { loginFailures, sessions } from './schema.ts'
import { login, startAuthHost, type AuthHost } from './testing.ts'

let host: AuthHost
beforeAll(async () => {
  host = await startAuthHost({ env: { STAFF_SESSION_HOURS: '8' } })
})
afterAll(() => host.cleanup())

const written = async () => ({
  sessions: (await host.db().select({ n: count() }).from(sessions))[0]!.n,
  failures: (await host.db().select({ n: count() }).from(loginFailures))[0]!.n,
  outbox: (await host.db().select({ n: count() }).from(outbox))[0]!.n,
})
const cookieOf = (res: Response) => res.headers.getSetCookie().find((c) => c.startsWith('pitstop_session='))!
const envelopes = async () =>
  (await host.db().select().from(outbox)).map((row) => JSON.parse(row.envelope) as Record<string, unknown>)
const hours = (n: number) => n * 3_600_000

describe('POST /api/auth/login with the right password', () => {
  it('answers the token, when it expires, the role and the e-mail address (in lower case)', async () => {
    const { res, body } = await login(host, '  Mechanic@Pitstop.LOCAL ', 'pitstop')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(body).toEqual({
      token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      expiresAt: new Date(host.clock.now().getTime() + hours(8)).toISOString(),
      role: 'mechanic',
      email: 'mechanic@pitstop.local',
    })
  })

  it('sets the token as an HttpOnly, SameSite=Lax cookie on / living as long as the token, not Secure over http', async () => {
    const { res, body } = await login(host, 'support@pitstop.local', 'pitstop')
    const cookie = cookieOf(res)
    expect(cookie.split('; ')).toEqual([
      `pitstop_session=${body.token}`,
      `Max-Age=${8 * 3600}`,
      'Path=/',
      'HttpOnly',
      'SameSite=Lax',
    ])
  })

  it('marks the cookie Secure when the request came over https (X-Forwarded-Proto)', async () => {
    const { res } = await login(host, 'support@pitstop.local', 'pitstop', {
      headers: { 'x-forwarded-proto': 'https' },
    })
    expect(cookieOf(res).split('; ')).toContain('Secure')
  })

  it('gives a token that works as Bearer and as the cookie on GET /api/auth/me', async () => {
    const { body } = await login(host, 'manager@pitstop.local', 'pitstop')
    const expected = { role: 'manager', email: 'manager@pitstop.local', expiresAt: body.expiresAt }
    const asBearer = await host.get('/api/auth/me', { headers: host.bearer(body.token) })
    expect(asBearer.status).toBe(200)
    expect(await asBearer.json()).toEqual(expected)
    const asCookie = await host.get('/api/auth/me', { headers: { cookie: `pitstop_session=${body.token}` } })
    expect(asCookie.status).toBe(200)
    expect(await asCookie.json()).toEqual(expected)
  })

  it('records the session and SessionStarted, with neither the token nor the password in any event', async () => {
    const before = await written()
    const { body } = await login(host, 'mechanic@pitstop.local', 'pitstop')
    expect(await written()).toEqual({ ...before, sessions: before.sessions + 1, outbox: before.outbox + 1 })
    const started = (await envelopes()).at(-1)!
    expect(started).toMatchObject({
      type: 'SessionStarted',
      position: 1,
      actor: 'staff:mechanic@pitstop.local',
      data: { actor: 'staff:mechanic@pitstop.local', role: 'mechanic', expiresAt: body.expiresAt },
    })
    const everything = JSON.stringify(await host.db().select().from(outbox))
    expect(everything).not.toContain(body.token)
    expect(everything).not.toContain('pitstop"')
  })

  it('gives a session that ends after STAFF_SESSION_HOURS (8 here): 401 expired', async () => {
    const { body } = await login(host, 'mechanic@pitstop.local', 'pitstop')
    host.clock.advance(hours(8) - 1000)
    expect((await host.get('/api/auth/me', { headers: host.bearer(body.token) })).status).toBe(200)
    host.clock.advance(1000)
    const expired = await host.get('/api/auth/me', { headers: host.bearer(body.token) })
    expect(expired.status).toBe(401)
    expect(await expired.json()).toMatchObject({ title: 'The session has expired; sign in again' })
  })
})

describe('POST /api/auth/login refused', () => {
  it('answers a wrong password and an unknown e-mail address alike: 401 invalid-credentials, the same body', async () => {
    const wrong = await login(host, 'manager@pitstop.local', 'not-pitstop', { from: '127.0.1.1' })
    const unknown = await login(host, 'nobody@pitstop.local', 'pitstop', { from: '127.0.1.2' })
    expect(wrong.res.status).toBe(401)
    expect(unknown.res.status).toBe(401)
    expect(wrong.body).toEqual({
      type: 'urn:pitstop:problem:invalid-credentials',
      title: 'The e-mail address or the password is wrong',
      status: 401,
      instance: '/api/auth/login',
    })
    expect(unknown.body).toEqual(wrong.body)
    expect(unknown.res.headers.get('www-authenticate')).toBe(wrong.res.headers.get('www-authenticate'))
    expect(wrong.res.headers.getSetCookie()).toEqual([])
  })

  it('sets no session and writes only the failure', async () => {
    const before = await written()
    await login(host, 'support@pitstop.local', 'wrong', { from: '127.0.1.3' })
    expect(await written()).toEqual({ ...before, failures: before.failures + 2 })
  })

  it.each([
    ['no e-mail address', { password: 'pitstop' }, ['/email']],
    ['an e-mail address that is not one', { email: 'manager', password: 'pitstop' }, ['/email']],
    ['an empty password', { email: 'manager@pitstop.local', password: '' }, ['/password']],
    ['a password that is not text', { email: 'manager@pitstop.local', password: 42 }, ['/password']],
    [
      'a password of 1025 characters',
      { email: 'manager@pitstop.local', password: 'x'.repeat(1025) },
      ['/password'],
    ],
  ])('answers %s with 400 problem+json naming the field, and writes nothing', async (_, body, fields) => {
    const before = await written()
    const res = await host.post('/api/auth/login', body, { from: '127.0.1.4' })
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    const problem = (await res.json()) as { type: string; errors: { field: string }[] }
    expect(problem.type).toBe('urn:pitstop:problem:invalid-input')
    expect(problem.errors.map((e) => e.field)).toEqual(fields)
    expect(await written()).toEqual(before)
  })

  it('answers a body that is not JSON with 400, and writes nothing', async () => {
    const before = await written()
    const res = await host.post('/api/auth/login', '{"email": ', { from: '127.0.1.4' })
    expect(res.status).toBe(400)
    expect(await written()).toEqual(before)
  })
})

describe('POST /api/auth/logout', () => {
  it('ends the session for good: 204, the cookie cleared, the same token then 401 revoked, as Bearer and as cookie', async () => {
    const { body } = await login(host, 'mechanic@pitstop.local', 'pitstop')
    const res = await host.post('/api/auth/logout', undefined, {
      headers: { cookie: `pitstop_session=${body.token}` },
    })
    expect(res.status).toBe(204)
    expect(cookieOf(res).split('; ')).toEqual([
      'pitstop_session=',
      'Max-Age=0',
      'Path=/',
      'Expires=Thu, 01 Jan 1970 00:00:00 GMT',
      'HttpOnly',
      'SameSite=Lax',
    ])
    for (const headers of [host.bearer(body.token), { cookie: `pitstop_session=${body.token}` }]) {
      const after = await host.get('/api/auth/me', { headers })
      expect(after.status).toBe(401)
      expect(await after.json()).toMatchObject({ title: 'The session has ended; sign in again' })
    }
    expect(
      (await host.post('/api/auth/logout', undefined, { headers: host.bearer(body.token) })).status,
    ).toBe(401)
  })

  it('records the end (revoked_at) and SessionEnded before it answers', async () => {
    const { body } = await login(host, 'support@pitstop.local', 'pitstop')
    await host.post('/api/auth/logout', undefined, { headers: host.bearer(body.token) })
    const rows = await host.db().select().from(sessions)
    const ended = rows.find((row) => row.revokedAt !== null && row.actor === 'staff:support@pitstop.local')!
    expect(ended).toMatchObject({ revokedAt: host.clock.now().toISOString(), expiresAt: body.expiresAt })
    expect((await envelopes()).at(-1)).toMatchObject({
      type: 'SessionEnded',
      stream: ended.session,
      position: 2,
      actor: 'staff:support@pitstop.local',
      data: { session: ended.session, actor: 'staff:support@pitstop.local', reason: 'signed-out' },
    })
  })

  it('ends a session it did not start (signed elsewhere with the same secret) all the same', async () => {
    const token = await host.tokenFor({ role: 'manager', email: 'someone@pitstop.local' })
    expect((await host.post('/api/auth/logout', undefined, { headers: host.bearer(token) })).status).toBe(204)
    expect((await host.get('/api/auth/me', { headers: host.bearer(token) })).status).toBe(401)
    expect((await envelopes()).at(-1)).toMatchObject({ type: 'SessionEnded', position: 1 })
  })

  it('answers 401 without a session', async () => {
    const res = await host.post('/api/auth/logout')
    expect(res.status).toBe(401)
  })
})

describe('GET /api/auth/me', () => {
  it("says who a customer's token is for", async () => {
    const token = await host.tokenFor({ role: 'customer', customerId: 'c-7' }, hours(1))
    const res = await host.get('/api/auth/me', { headers: host.bearer(token) })
    expect(await res.json()).toEqual({
      role: 'customer',
      customerId: 'c-7',
      expiresAt: new Date(host.clock.now().getTime() + hours(1)).toISOString(),
    })
  })

  it('answers 401 to a caller without a session', async () => {
    expect((await host.get('/api/auth/me')).status).toBe(401)
  })
})
