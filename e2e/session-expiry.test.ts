import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sampleCustomer } from '../shared/host/node/test-host.ts'
import { startNodeHost } from './node-host.ts'

// Sessions end by the system's one clock: moved on by the manager (CLOCK=manual), a working day later a
// mechanic's session has ended, while a customer's link lasts its 30 days.
let host: Awaited<ReturnType<typeof startNodeHost>>
beforeAll(async () => {
  host = await startNodeHost({ CLOCK: 'manual' })
}, 60_000)
afterAll(() => host?.cleanup())

const hour = 3_600_000
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

async function signIn(email: string): Promise<string> {
  const response = await fetch(`${host.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'pitstop' }),
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { token: string }).token
}

/** Moves the whole system's time on by `ms`, as the manager. */
async function advance(ms: number) {
  const manager = bearer(await signIn('manager@pitstop.local'))
  const { now } = (await (await fetch(`${host.url}/api/clock`, { headers: manager })).json()) as {
    now: string
  }
  const to = new Date(Date.parse(now) + ms).toISOString()
  const response = await fetch(`${host.url}/api/clock/advance`, {
    method: 'POST',
    headers: { ...manager, 'content-type': 'application/json' },
    body: JSON.stringify({ to }),
  })
  expect(response.status).toBe(200)
}

const me = async (token: string) => fetch(`${host.url}/api/auth/me`, { headers: bearer(token) })

describe('sessions on the manual clock', () => {
  it("end a mechanic's session after a working day, and a customer's link after 30 days", async () => {
    expect((await host.post('/api/customers', sampleCustomer('expiry-1'))).status).toBe(201)
    const mechanic = await signIn('mechanic@pitstop.local')
    const link = await fetch(`${host.url}/api/auth/customer-link`, {
      method: 'POST',
      headers: { ...bearer(mechanic), 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'expiry-1' }),
    })
    expect(link.status).toBe(201)
    const customer = ((await link.json()) as { token: string }).token

    await advance(9 * hour)
    expect((await me(mechanic)).status).toBe(200)
    await advance(2 * hour)
    const ended = await me(mechanic)
    expect(ended.status).toBe(401)
    expect(((await ended.json()) as { title: string }).title).toContain('expired')
    const own = await fetch(`${host.url}/api/customers/expiry-1`, { headers: bearer(customer) })
    expect(own.status).toBe(200)

    await advance(30 * 24 * hour)
    expect((await me(customer)).status).toBe(401)
  }, 60_000)
})
