import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { visitor, type Visitor } from './testing.ts'

let host: TestHost
let mechanic: Visitor
beforeAll(async () => {
  host = await startTestHost({ services: ['auth', 'customers'] })
  mechanic = visitor(host)
  await mechanic.signIn('mechanic@pitstop.local')
})
afterAll(() => host.cleanup())

const typed = {
  name: 'Ann de Vries',
  address: 'Main Street 1',
  postalCode: '1234 AB',
  city: 'Utrecht',
  telephoneNumber: '+31 6 12345678',
  emailAddress: 'ann@example.com',
}
/** The customers the service has, as the manager's API client sees them. */
const registered = async () => (await (await host.get('/api/customers')).json()) as { name: string }[]
/** The idempotency key the registration form was rendered with. */
const keyOf = (html: string) => html.match(/<input type="hidden" name="key" value="([^"]+)"/)![1]!

describe('registering a customer', () => {
  it('shows a blank name as an error beside its field, keeps what was typed, and registers nobody', async () => {
    const key = keyOf(await (await mechanic.get('/customers/new')).text())
    const response = await mechanic.post('/customers', { ...typed, name: '   ', key })
    expect(response.status).toBe(400)
    const html = await response.text()
    expect(html).toMatch(
      /<input id="f-name" name="name" aria-invalid="true" aria-describedby="e-name" type="text" value="   "/,
    )
    expect(html).toMatch(/<span class="error" id="e-name">[^<]+<\/span>/)
    expect(html).not.toContain('id="e-city"')
    expect(html).toContain('value="Main Street 1"')
    expect(html).toContain('value="ann@example.com"')
    expect(html).toContain(`name="key" value="${key}"`)
    expect(await registered()).toEqual([])
  })

  it('registers one customer when the same form is sent twice, and shows it both times', async () => {
    const key = keyOf(await (await mechanic.get('/customers/new')).text())
    const first = await mechanic.post('/customers', { ...typed, key })
    const second = await mechanic.post('/customers', { ...typed, key })
    expect(first.status).toBe(303)
    expect(first.headers.get('location')).toMatch(/^\/customers\/[^/]+$/)
    expect(second.status).toBe(303)
    expect(second.headers.get('location')).toBe(first.headers.get('location'))
    expect((await registered()).map((c) => c.name)).toEqual(['Ann de Vries'])
    const shown = await mechanic.get(first.headers.get('location')!)
    expect(shown.status).toBe(200)
    expect(await shown.text()).toContain('<h1>Ann de Vries</h1>')
  })

  it('gives each new form its own key, so a second customer is not taken for a repeat', async () => {
    const keys = await Promise.all(
      [1, 2].map(async () => keyOf(await (await mechanic.get('/customers/new')).text())),
    )
    expect(keys[0]).not.toBe(keys[1])
  })
})
