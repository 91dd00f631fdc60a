import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sampleCustomer, startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { apiToken, pages, sessionCookieOf, visitor } from './testing.ts'

let host: TestHost
beforeAll(async () => {
  host = await startTestHost()
})
afterAll(() => host.cleanup())

describe('a visitor who has not signed in', () => {
  it.each(['/', ...pages])('is sent from %s to sign in first, and back there afterwards', async (path) => {
    const response = await visitor(host).get(path)
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe(`/sign-in?next=${encodeURIComponent(path)}`)
  })

  it('keeps the query of the page asked for in next', async () => {
    const response = await visitor(host).get('/customers?search=ann')
    expect(response.headers.get('location')).toBe(
      `/sign-in?next=${encodeURIComponent('/customers?search=ann')}`,
    )
  })

  it('gets a sign-in form whose fields have labels', async () => {
    const response = await visitor(host).get('/sign-in?next=%2Fparts')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    const html = await response.text()
    expect(html).toContain('action="/sign-in?next=%2Fparts"')
    expect(html).toMatch(/<label for="f-email">E-mail address<\/label>/)
    expect(html).toMatch(/<input id="f-email" name="email" type="email"/)
    expect(html).toMatch(/<label for="f-password">Password<\/label>/)
    expect(html).toMatch(/<input id="f-password" name="password" type="password"/)
  })
})

describe('signing in', () => {
  it('refuses a wrong password with 401 and an alert above the form, and sets no cookie', async () => {
    const browser = visitor(host)
    const response = await browser.post('/sign-in?next=%2Fparts', {
      email: 'manager@pitstop.local',
      password: 'wrong',
    })
    expect(response.status).toBe(401)
    expect(sessionCookieOf(response)).toBeUndefined()
    const html = await response.text()
    expect(html).toMatch(/<p class="notice error" role="alert">[^<]+<\/p>/)
    expect(html).toContain('value="manager@pitstop.local"')
    expect((await browser.get('/parts')).status).toBe(303)
  })

  it('sets an HttpOnly session cookie and goes on to the page asked for', async () => {
    const browser = visitor(host)
    const response = await browser.post('/sign-in?next=%2Fparts%3Fq%3D1', {
      email: 'mechanic@pitstop.local',
      password: 'pitstop',
    })
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/parts?q=1')
    expect(sessionCookieOf(response)).toMatch(/; HttpOnly/i)
    const parts = await browser.get('/parts')
    expect(parts.status).toBe(200)
    expect(await parts.text()).toContain('mechanic@pitstop.local (mechanic)')
  })

  it.each(['//evil.example', 'https://evil.example', '/\\evil.example', '/\t/evil.example', 'evil.example'])(
    'goes home instead of to %j, which a browser would read as another origin',
    async (next) => {
      const browser = visitor(host)
      const form = await browser.get(`/sign-in?next=${encodeURIComponent(next)}`)
      expect(await form.text()).toContain('action="/sign-in?next=%2F"')
      const response = await browser.post(`/sign-in?next=${encodeURIComponent(next)}`, {
        email: 'mechanic@pitstop.local',
        password: 'pitstop',
      })
      expect(response.status).toBe(303)
      expect(response.headers.get('location')).toBe('/')
    },
  )

  it('ends the session on signing out', async () => {
    const browser = visitor(host)
    await browser.signIn('support@pitstop.local')
    const response = await browser.post('/sign-out', {})
    expect(response.headers.get('location')).toBe('/sign-in')
    expect(browser.session).toBeUndefined()
    expect((await browser.get('/support')).status).toBe(303)
  })
})

describe("a customer's personal link", () => {
  let customerToken: string
  beforeAll(async () => {
    expect((await host.post('/api/customers', sampleCustomer('ann'))).status).toBe(201)
    const staff = await apiToken(host, 'support@pitstop.local')
    const link = await host.post(
      '/api/auth/customer-link',
      { customerId: 'ann' },
      { authorization: `Bearer ${staff}` },
    )
    expect(link.status).toBe(201)
    customerToken = ((await link.json()) as { token: string }).token
  })

  it('trades the token in the address for an HttpOnly cookie and opens the portal', async () => {
    const browser = visitor(host)
    const response = await browser.get(`/?token=${encodeURIComponent(customerToken)}`)
    expect(response.status).toBe(303)
    expect(response.headers.get('location')).toBe('/portal')
    expect(sessionCookieOf(response)).toMatch(/; HttpOnly/i)
    expect(browser.session).toBe(customerToken)
    const portal = await browser.get('/portal')
    expect(portal.status).toBe(200)
    expect(await portal.text()).toContain('Your repair')
  })

  it('is refused with 401 and a message, and no cookie, when the token is not valid', async () => {
    const response = await visitor(host).get(`/?token=${encodeURIComponent(`${customerToken}x`)}`)
    expect(response.status).toBe(401)
    expect(sessionCookieOf(response)).toBeUndefined()
    expect(await response.text()).toMatch(/role="alert">\s*The link has ended or is not valid/)
  })

  it("does not open with a member of staff's token", async () => {
    const staff = await apiToken(host, 'manager@pitstop.local')
    const response = await visitor(host).get(`/?token=${encodeURIComponent(staff)}`)
    expect(response.status).toBe(401)
    expect(sessionCookieOf(response)).toBeUndefined()
  })
})

describe('the Content-Security-Policy', () => {
  it.each([
    ['/assets/app.css', 'text/css'],
    ['/assets/htmx.min.js', 'text/javascript'],
    ['/assets/htmx-sse.js', 'text/javascript'],
    ['/assets/web.js', 'text/javascript'],
    ['/assets/chart.umd.js', 'text/javascript'],
    ['/assets/favicon.svg', 'image/svg+xml'],
  ])('lets the pages load %s, served as %s', async (path, type) => {
    const response = await visitor(host).get(path)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')?.startsWith(type)).toBe(true)
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0)
  })

  it('answers an asset that does not exist with 404 problem+json', async () => {
    const response = await visitor(host).get('/assets/nope.js')
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/)
  })

  it.each([
    '/sign-in',
    '/',
    '/workshop',
    '/repairs',
    '/customers',
    '/customers/new',
    '/parts',
    '/insights',
    '/console',
  ])('covers %s, which has no inline script or style for it to block', async (path) => {
    const manager = visitor(host)
    if (path !== '/sign-in') await manager.signIn('manager@pitstop.local')
    const response = await manager.get(path)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'")
    const html = await response.text()
    expect(html).toContain('<script src="/assets/web.js" defer=""></script>')
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i)
    expect(html).not.toMatch(/<[^>]+\sstyle=/i)
    expect(html).not.toMatch(/<[^>]+\son[a-z]+=/i)
  })
})
