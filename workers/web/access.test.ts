import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Role } from '../../shared/auth/principal.ts'
import { startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { may } from './access.ts'
import { visitor, type Visitor } from './testing.ts'

let host: TestHost
const signedIn: Partial<Record<Role, Visitor>> = {}
beforeAll(async () => {
  host = await startTestHost()
  for (const role of ['mechanic', 'support', 'manager'] as const) {
    signedIn[role] = visitor(host)
    await signedIn[role].signIn(`${role}@pitstop.local`)
  }
})
afterAll(() => host.cleanup())

const everything = ['Planning', 'Repairs', 'Customers', 'Vehicles', 'Support', 'Parts', 'Insights', 'Console']

/** The labels of the main menu, in order. */
const menuOf = (html: string) =>
  [...(html.match(/<nav aria-label="Main">(.*?)<\/nav>/s)?.[1] ?? '').matchAll(/<a [^>]*>([^<]+)<\/a>/g)].map(
    (m) => m[1],
  )
/** The headings of the start page's cards, in order. */
const cardsOf = (html: string) =>
  [...html.matchAll(/<h2 id="home-[^"]+"><a [^>]*>([^<]+)<\/a><\/h2>/g)].map((m) => m[1])

const page = async (role: Role, path: string) => {
  const response = await signedIn[role]!.get(path)
  expect(response.status).toBe(200)
  return response.text()
}

describe.each([
  ['mechanic', ['Planning', 'Repairs', 'Customers', 'Vehicles', 'Parts']],
  ['support', ['Planning', 'Repairs', 'Customers', 'Vehicles', 'Support', 'Parts']],
  ['manager', everything],
] as const)('a %s', (role, shown) => {
  it(`has a menu of ${shown.join(', ')} and nothing else`, async () => {
    expect(menuOf(await page(role, '/customers'))).toEqual(shown)
  })

  it('finds the same pages on the start page', async () => {
    expect(cardsOf(await page(role, '/'))).toEqual(shown)
  })

  it('is shown exactly the pages whose endpoints its role may call, by the access tables', async () => {
    const endpoints = {
      Planning: 'GET /api/workshop/planning/{date}',
      Repairs: 'GET /api/repairs',
      Customers: 'GET /api/customers',
      Vehicles: 'GET /api/vehicles',
      Support: 'GET /api/support/conversations',
      Parts: 'GET /api/parts',
      Insights: 'GET /api/insights/summary',
      Console: 'GET /api/workshop/dead-letters',
    } as const
    const menu = menuOf(await page(role, '/'))
    for (const [label, endpoint] of Object.entries(endpoints))
      expect(menu.includes(label), label).toBe(may(role, endpoint))
  })

  it('is offered "Register a customer" only where its role may register one', async () => {
    const html = await page(role, '/customers')
    expect(html.includes('href="/customers/new"')).toBe(role !== 'support')
    expect(may(role, 'POST /api/customers')).toBe(role !== 'support')
  })
})

describe('the current page', () => {
  it('is marked in the menu', async () => {
    const html = await page('manager', '/vehicles')
    expect(html).toContain('<a href="/vehicles" aria-current="page">Vehicles</a>')
    expect(html.match(/aria-current="page"/g)).toHaveLength(1)
  })
})
