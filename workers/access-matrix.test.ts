import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Caller } from '../shared/auth/access.ts'
import type { Identity } from '../shared/auth/principal.ts'
import { newUuidV7 } from '../shared/clock.ts'
import { sampleCustomer, sampleVehicle, startTestHost, type TestHost } from '../shared/host/node/test-host.ts'
import { serviceNames, services } from './registry.ts'

// Who may call what, for every endpoint of every service in the registry, generated from the access
// tables the kernel enforces (STYLE.md: "access tests from the access table"). A service added to the
// registry is covered without a line here, unless its table has a parameter this file does not know:
// then its cases fail, saying which, until a value is added to `parameters`.

/** The customer the matrix asks about, and another customer, each with a vehicle and a job on `date`. */
const own = {
  customerId: 'cust-olga',
  name: 'Olga Own',
  licenseNumber: 'OW-11-NN',
  jobId: 'job-olga',
  repairId: 'repair-olga',
}
const other = {
  customerId: 'cust-otto',
  name: 'Otto Other',
  licenseNumber: 'OT-22-HR',
  jobId: 'job-otto',
  repairId: 'repair-otto',
}
const date = '2026-12-07'
/** A part of the catalogue the setup registers (parts belong to no customer). */
const partNumber = 'BP-1044'

/**
 * A value for every parameter an access table uses (`{name}`, in the path or the query): data of the
 * customer `own` that the setup below creates, so an allowed read answers 200. `owned`: the value names
 * something of that customer's, so another customer asking for it must be refused (403).
 */
const parameters: Record<string, { value: string; owned: boolean }> = {
  customerId: { value: own.customerId, owned: true },
  licenseNumber: { value: own.licenseNumber, owned: true },
  jobId: { value: own.jobId, owned: true },
  repairId: { value: own.repairId, owned: true },
  date: { value: date, owned: false },
  partNumber: { value: partNumber, owned: false },
  // Filled in by the setup: the appointment confirmation the customer `own` is sent.
  notificationId: { value: '', owned: true },
}

/** Everything that identifies a customer's data: none of it may reach another customer. */
const markers = (customer: typeof own) => [
  customer.customerId,
  customer.name,
  customer.licenseNumber,
  customer.jobId,
  customer.repairId,
  sampleCustomer(customer.customerId).emailAddress,
]

const callers = [
  'anonymous',
  'a tampered token',
  'an expired token',
  'a revoked token',
  'mechanic',
  'support',
  'manager',
  'the customer themselves',
  'another customer',
] as const
type CallerCase = (typeof callers)[number]

const staff = (role: 'mechanic' | 'support' | 'manager'): Identity => ({
  role,
  email: `${role}@pitstop.local`,
})
const customer = (who: typeof own): Identity => ({ role: 'customer', customerId: who.customerId })

/** An endpoint of a table, as a request: the parameters filled in, or an error naming those unknown. */
function requestOf(service: string, endpoint: string) {
  const [method, target] = endpoint.split(' ') as [string, string]
  const names = [...target.matchAll(/\{(\w+)\}/g)].map(([, name]) => name!)
  const unknown = names.filter((name) => !Object.hasOwn(parameters, name))
  if (unknown.length > 0)
    throw new Error(
      `The access table of ${service} has "${endpoint}", whose parameter(s) ${unknown.map((n) => `{${n}}`).join(', ')} ` +
        'the access matrix does not know: add a value (of data its setup creates) to `parameters` in ' +
        'workers/access-matrix.test.ts',
    )
  const path = target.split('?')[0]!
  return {
    method,
    url: target.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(parameters[name]!.value)),
    /** It names something of one customer's in its path: an item, not a list narrowed to the caller. */
    item: names.some((name) => parameters[name]!.owned && path.includes(`{${name}}`)),
    write: method !== 'GET' && method !== 'HEAD',
  }
}

type Expected =
  | { status: 401 | 403 }
  /** Not refused by access control: a read answers 200, a write reaches validation or its handler. */
  | { status: 'let through'; sees?: typeof own; notSees?: typeof own }

/** What the row's callers mean for one caller. */
function expected(allowed: readonly Caller[], caller: CallerCase, item: boolean): Expected {
  if (allowed.includes('anyone')) return { status: 'let through' }
  switch (caller) {
    case 'anonymous':
    case 'a tampered token':
    case 'an expired token':
    case 'a revoked token':
      return { status: 401 }
    case 'mechanic':
    case 'support':
    case 'manager':
      return allowed.includes(caller) ? { status: 'let through' } : { status: 403 }
    case 'the customer themselves':
      return allowed.includes('customer')
        ? { status: 'let through', sees: own, notSees: other }
        : { status: 403 }
    case 'another customer':
      // Asking for the first customer's item is refused; a list answers with their own data only.
      if (!allowed.includes('customer') || item) return { status: 403 }
      return { status: 'let through', sees: other, notSees: own }
  }
}

const describeExpected = (e: Expected) =>
  e.status !== 'let through'
    ? String(e.status)
    : e.sees
      ? `let through, seeing only ${e.sees.name}'s data`
      : 'let through'

let host: TestHost
const HOUR = 3_600_000

/** The Authorization header each caller sends, made afresh for each request (none for anonymous). */
async function authorizationOf(caller: CallerCase): Promise<string | undefined> {
  const bearer = (token: string) => `Bearer ${token}`
  switch (caller) {
    case 'anonymous':
      return undefined
    case 'a tampered token': {
      // A mechanic who made their token say manager.
      const [header, payload, signature] = (await host.tokenFor(staff('mechanic'))).split('.')
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString())
      const promoted = { ...claims, role: 'manager', sub: 'staff:manager@pitstop.local' }
      return bearer(`${header}.${Buffer.from(JSON.stringify(promoted)).toString('base64url')}.${signature}`)
    }
    case 'an expired token':
      return bearer(await host.tokenFor(staff('manager'), -60_000))
    case 'a revoked token': {
      const { token, principal } = await host.running.tokens.issue(staff('manager'), HOUR, newUuidV7())
      await host.running.tokens.revoke(principal)
      return bearer(token)
    }
    case 'mechanic':
    case 'support':
    case 'manager':
      return bearer(await host.tokenFor(staff(caller)))
    case 'the customer themselves':
      return bearer(await host.tokenFor(customer(own)))
    case 'another customer':
      return bearer(await host.tokenFor(customer(other)))
  }
}

/** The request as the caller sends it, straight to the host (its helpers would add the manager's token). */
async function call(method: string, url: string, write: boolean, authorization: string | undefined) {
  const headers: Record<string, string> = authorization ? { authorization } : {}
  // An empty body: 401 and 403 come before validation, and an allowed caller meets 400, not a write.
  if (write) headers['content-type'] = 'application/json'
  const response = await fetch(`${host.url}${url}`, { method, headers, body: write ? '{}' : undefined })
  const type = response.headers.get('content-type')
  const text = type === 'text/event-stream' ? await firstEvents(response) : await response.text()
  return { status: response.status, type, text }
}

/** What an event stream, which never ends by itself, sends until its first event or a moment has passed. */
async function firstEvents(response: Response, waitMs = 1500) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  const deadline = setTimeout(() => void reader.cancel(), waitMs)
  let text = ''
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    text += chunk.value
    if (text.includes('event: ')) break
  }
  clearTimeout(deadline)
  await reader.cancel()
  return text
}

beforeAll(async () => {
  host = await startTestHost()
  for (const who of [own, other]) {
    expect((await host.post('/api/customers', sampleCustomer(who.customerId, who.name))).status).toBe(201)
    expect((await host.post('/api/vehicles', sampleVehicle(who.licenseNumber, who.customerId))).status).toBe(
      201,
    )
  }
  expect(
    (await host.post('/api/parts', { partNumber, name: 'Brake pads, front', unitPrice: '12.50' })).status,
  ).toBe(201)
  // The workshop plans only for the customers and vehicles its read model has.
  await vi.waitFor(
    async () => {
      for (const who of [own, other]) {
        expect((await host.get(`/api/workshop/refdata/customers/${who.customerId}`)).status).toBe(200)
        expect((await host.get(`/api/workshop/refdata/vehicles/${who.licenseNumber}`)).status).toBe(200)
      }
    },
    { timeout: 10_000, interval: 50 },
  )
  for (const [who, hour] of [
    [own, '09'],
    [other, '10'],
  ] as const) {
    const planned = await host.post(`/api/workshop/planning/${date}/jobs`, {
      jobId: who.jobId,
      startTime: `${date}T${hour}:00:00.000Z`,
      endTime: `${date}T${hour}:45:00.000Z`,
      customerId: who.customerId,
      licenseNumber: who.licenseNumber,
      description: `Service for ${who.name}`,
    })
    expect(planned.status).toBe(201)
  }
  // Jobs over a range of days come from the read model too.
  await vi.waitFor(
    async () => {
      const jobs = await (await host.get(`/api/workshop/jobs?from=${date}&to=${date}`)).text()
      expect(jobs).toContain(own.jobId)
      expect(jobs).toContain(other.jobId)
    },
    { timeout: 10_000, interval: 50 },
  )
  // Each job repaired: repairs knows the jobs from the workshop's stream.
  await vi.waitFor(
    async () => {
      for (const who of [own, other]) {
        const started = await host.post('/api/repairs', { repairId: who.repairId, jobId: who.jobId })
        expect(started.status).toBe(201)
      }
    },
    { timeout: 10_000, interval: 50 },
  )
  // The customer's appointment confirmation, which only they may mark read.
  await vi.waitFor(
    async () => {
      const sent = await host.get(`/api/notifications?recipient=customer:${own.customerId}`)
      const [confirmation] = (await sent.json()) as { notificationId: string }[]
      expect(confirmation).toBeDefined()
      parameters.notificationId!.value = confirmation!.notificationId
    },
    { timeout: 10_000, interval: 50 },
  )
  // Support's conversation of the customer's repair, which it keeps from the repairs stream.
  await vi.waitFor(
    async () => expect((await host.get(`/api/support/conversations/${own.repairId}`)).status).toBe(200),
    { timeout: 10_000, interval: 50 },
  )
}, 60_000)
afterAll(() => host?.cleanup())

describe('the access matrix', () => {
  it('runs every service of the registry, each with an access table', () => {
    expect(host.running.services.map((service) => service.name).sort()).toEqual([...serviceNames].sort())
    for (const service of services) expect(Object.keys(service.access).length).toBeGreaterThan(0)
  })

  it('knows a value for every parameter of every access table', () => {
    const unknown: string[] = []
    for (const service of services)
      for (const endpoint of Object.keys(service.access)) {
        try {
          requestOf(service.name, endpoint)
        } catch (error) {
          unknown.push((error as Error).message)
        }
      }
    expect(unknown, unknown.join('\n')).toEqual([])
  })
})

describe.each(services.map((service) => [service.name, service] as const))(
  'the %s service',
  (name, service) => {
    describe.each(Object.entries(service.access))('%s', (endpoint, allowed) => {
      const cases = callers.map((caller) => {
        // An unknown parameter fails each case with the message, rather than the whole file unseen.
        const request = (() => {
          try {
            return requestOf(name, endpoint)
          } catch (error) {
            return error as Error
          }
        })()
        const expectation = request instanceof Error ? undefined : expected(allowed, caller, request.item)
        return [
          caller,
          expectation ? describeExpected(expectation) : 'unknown parameter',
          request,
          expectation,
        ] as const
      })

      it.each(cases)('%s: %s', async (caller, _, request, expectation) => {
        if (request instanceof Error || !expectation) throw request
        // Again, now that the setup has filled in the values it makes.
        const { method, url, write } = requestOf(name, endpoint)
        const answer = await call(method, url, write, await authorizationOf(caller))
        const where = `${caller} on ${method} ${url} got ${answer.status}: ${answer.text.slice(0, 300)}`

        if (expectation.status !== 'let through') {
          expect(answer.status, where).toBe(expectation.status)
          expect(answer.type, where).toBe('application/problem+json')
          const type = expectation.status === 401 ? 'unauthenticated' : 'forbidden'
          expect(JSON.parse(answer.text), where).toMatchObject({ type: `urn:pitstop:problem:${type}` })
          return
        }
        if (write) {
          // Past access control: refused by validation (the body is empty), a rule, or as not the
          // caller's (a notification to someone else), or done.
          expect([200, 201, 202, 204, 400, 404, 409, 422], where).toContain(answer.status)
          return
        }
        expect(answer.status, where).toBe(200)
        const { sees, notSees } = expectation
        if (sees)
          expect(answer.text, `${where}\n(should show ${sees.name}'s own data)`).toContain(sees.customerId)
        if (notSees)
          for (const marker of markers(notSees))
            expect(answer.text, `${where}\n(shows ${notSees.name}'s ${marker})`).not.toContain(marker)
      })
    })
  },
)
