import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../http/create-app.ts'
import { eventMetadata } from '../http/request-context.ts'
import { createLogger } from '../logger.ts'
import { deleteKeys, uniquePrefix } from '../testing/redis.ts'
import { testTokens } from '../testing/tokens.ts'
import {
  anyStaff,
  ownedItem,
  customerScope,
  managerOnly,
  routeOf,
  SESSION_COOKIE,
  type AccessTable,
} from './access.ts'
import type { Identity } from './principal.ts'

const prefix = uniquePrefix('access')
const tokens = testTokens({ prefix })
afterAll(async () => {
  await tokens.close()
  await deleteKeys(prefix)
})

const mechanic: Identity = { role: 'mechanic', email: 'mechanic@pitstop.local' }
const support: Identity = { role: 'support', email: 'support@pitstop.local' }
const manager: Identity = { role: 'manager', email: 'manager@pitstop.local' }
const ann: Identity = { role: 'customer', customerId: 'ann' }
const bob: Identity = { role: 'customer', customerId: 'bob' }

let sessions = 0
/** A fresh session's token for `who`, valid for an hour (or `lifetimeMs`, negative for one expired). */
const tokenOf = async (who: Identity, lifetimeMs = 3_600_000) =>
  (await tokens.issue(who, lifetimeMs, `access-test-${++sessions}`)).token
const bearer = async (who: Identity) => ({ authorization: `Bearer ${await tokenOf(who)}` })

const things = [
  { thingId: 't-ann', ownerId: 'ann' },
  { thingId: 't-bob', ownerId: 'bob' },
]

/** Who may call what in the app below. */
const table = {
  'GET /open': ['anyone'],
  'POST /events': ['anyone'],
  'GET /staff': anyStaff,
  'GET /reports': managerOnly,
  'GET /customers/{customerId}': [...anyStaff, 'customer'],
  'GET /things': [...anyStaff, 'customer'],
  'GET /things/{thingId}': [...anyStaff, 'customer'],
  'DELETE /things/{thingId}': managerOnly,
} satisfies AccessTable

/** Which handlers ran, so a refusal can be shown to have run none. */
let reached: string[] = []
beforeEach(() => {
  reached = []
})

/**
 * A service-shaped app on the table above. It also serves two routes the table does not name (a method
 * the table lacks on a path it has, and a path it lacks): a route missing from the table stays closed.
 */
const app = createApp(
  {
    logger: createLogger('silent'),
    newId: () => `request-${++sessions}`,
    http: { maxBodyBytes: 1024 },
    tokens,
  },
  table,
)
  .get('/open', (c) => {
    reached.push('GET /open')
    return c.json({ actor: c.get('actor'), principal: c.get('principal') ?? null })
  })
  .post('/events', (c) => {
    reached.push('POST /events')
    return c.json(eventMetadata(c), 201)
  })
  .get('/staff', (c) => {
    reached.push('GET /staff')
    return c.json({ actor: c.get('actor') })
  })
  .get('/reports', (c) => {
    reached.push('GET /reports')
    return c.json({ report: 'all' })
  })
  .get('/customers/:customerId', (c) => {
    reached.push('GET /customers/{customerId}')
    return c.json({ customerId: c.req.param('customerId') })
  })
  .get('/things', (c) => {
    reached.push('GET /things')
    const owner = customerScope(c)
    return c.json(things.filter((thing) => owner === undefined || thing.ownerId === owner))
  })
  .get('/things/:thingId', (c) => {
    reached.push('GET /things/{thingId}')
    const thing = things.find((t) => t.thingId === c.req.param('thingId'))
    return c.json(ownedItem(c, thing, (t) => t.ownerId, `No thing ${c.req.param('thingId')}`))
  })
  .delete('/things/:thingId', (c) => {
    reached.push('DELETE /things/{thingId}')
    return c.body(null, 204)
  })
  .put('/things/:thingId', (c) => {
    reached.push('PUT /things/{thingId}')
    return c.json({ replaced: true })
  })
  .get('/backdoor', (c) => {
    reached.push('GET /backdoor')
    return c.json({ secret: 'everything' })
  })

const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers })

/** A 401 problem: its type, a title saying why, `WWW-Authenticate`, and no handler run. */
async function expectUnauthenticated(response: Response, title: RegExp, challenge: string) {
  expect(response.status).toBe(401)
  expect(response.headers.get('content-type')).toBe('application/problem+json')
  expect(response.headers.get('www-authenticate')).toBe(challenge)
  expect(await response.json()).toMatchObject({
    type: 'urn:pitstop:problem:unauthenticated',
    status: 401,
    title: expect.stringMatching(title),
  })
  expect(reached).toEqual([])
}

async function expectForbidden(response: Response) {
  expect(response.status).toBe(403)
  expect(response.headers.get('content-type')).toBe('application/problem+json')
  expect(await response.json()).toMatchObject({ type: 'urn:pitstop:problem:forbidden', status: 403 })
}

/** Tokens refused for each reason, all claiming (or once having been) the manager, who may do anything. */
const badTokens = {
  async malformed() {
    return 'abc'
  },
  async tampered() {
    const [header, payload, signature] = (await tokenOf(mechanic)).split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    const promoted = { ...claims, role: 'manager', sub: 'staff:manager@pitstop.local' }
    return `${header}.${Buffer.from(JSON.stringify(promoted)).toString('base64url')}.${signature}`
  },
  async expired() {
    return tokenOf(manager, -60_000)
  },
  async revoked() {
    const { token, principal } = await tokens.issue(manager, 3_600_000, `access-test-${++sessions}`)
    await tokens.revoke(principal)
    return token
  },
}
const titles = {
  malformed: /not one this system issues/,
  tampered: /not signed by this system/,
  expired: /expired/,
  revoked: /ended/,
}

describe('an endpoint anyone may call', () => {
  it('serves a caller without credentials, as anonymous', async () => {
    const response = await get('/open')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ actor: 'anonymous', principal: null })
  })

  it.each(Object.keys(badTokens) as (keyof typeof badTokens)[])(
    'serves a caller with a %s token, as anonymous',
    async (reason) => {
      const response = await get('/open', { authorization: `Bearer ${await badTokens[reason]()}` })
      expect(response.status).toBe(200)
      expect(await response.json()).toEqual({ actor: 'anonymous', principal: null })
    },
  )

  it('knows a signed-in caller who calls it', async () => {
    const response = await get('/open', await bearer(support))
    expect(await response.json()).toMatchObject({
      actor: 'staff:support@pitstop.local',
      principal: { role: 'support', email: 'support@pitstop.local' },
    })
  })
})

describe('an endpoint for staff, called without valid credentials', () => {
  it('answers a caller without credentials 401, challenging for a Bearer token', async () => {
    await expectUnauthenticated(await get('/staff'), /Sign in first/, 'Bearer')
  })

  it.each(Object.keys(badTokens) as (keyof typeof badTokens)[])(
    'answers a %s token 401, saying why, with error="invalid_token"',
    async (reason) => {
      const token = await badTokens[reason]()
      await expectUnauthenticated(
        await get('/staff', { authorization: `Bearer ${token}` }),
        titles[reason],
        'Bearer error="invalid_token"',
      )
    },
  )

  it.each([
    ['a Basic scheme', 'Basic bWFuYWdlcjpwaXRzdG9w'],
    ['Bearer without a token', 'Bearer'],
    ['Bearer with a space and no token', 'Bearer '],
    ['two tokens', 'Bearer abc def'],
    ['an empty header', ''],
  ])('answers an Authorization header with %s 401 as malformed', async (_, header) => {
    await expectUnauthenticated(
      await get('/staff', { authorization: header }),
      titles.malformed,
      'Bearer error="invalid_token"',
    )
  })

  it('names the problem with the request path as its instance', async () => {
    expect(await (await get('/staff')).json()).toMatchObject({ instance: '/staff' })
  })
})

describe('the credentials a request carries', () => {
  it('may be a Bearer token in the Authorization header, whatever the case of the scheme', async () => {
    expect((await get('/staff', await bearer(mechanic))).status).toBe(200)
    expect((await get('/staff', { authorization: `bearer ${await tokenOf(mechanic)}` })).status).toBe(200)
  })

  it('may be the session cookie', async () => {
    const response = await get('/staff', { cookie: `${SESSION_COOKIE}=${await tokenOf(mechanic)}` })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ actor: 'staff:mechanic@pitstop.local' })
  })

  it('is refused from a cookie as from the header: an expired cookie is 401', async () => {
    await expectUnauthenticated(
      await get('/staff', { cookie: `${SESSION_COOKIE}=${await badTokens.expired()}` }),
      titles.expired,
      'Bearer error="invalid_token"',
    )
  })

  it('is not read from a cookie of another name', async () => {
    await expectUnauthenticated(
      await get('/staff', { cookie: `session=${await tokenOf(mechanic)}` }),
      /Sign in first/,
      'Bearer',
    )
  })

  it('is the header when both are sent: a bad header is not saved by a good cookie', async () => {
    const cookie = `${SESSION_COOKIE}=${await tokenOf(manager)}`
    await expectUnauthenticated(
      await get('/staff', { cookie, authorization: 'Basic bWFuYWdlcjpwaXRzdG9w' }),
      titles.malformed,
      'Bearer error="invalid_token"',
    )
    const customerHeader = await get('/reports', { cookie, authorization: `Bearer ${await tokenOf(ann)}` })
    await expectForbidden(customerHeader)
  })
})

describe('an endpoint for some roles', () => {
  it('serves each role its row names', async () => {
    for (const who of [mechanic, support, manager])
      expect((await get('/staff', await bearer(who))).status).toBe(200)
    expect((await get('/reports', await bearer(manager))).status).toBe(200)
  })

  it.each([
    ['a mechanic', mechanic],
    ['a member of support', support],
    ['a customer', ann],
  ])('answers %s, whom the row does not name, 403 without running the handler', async (_, who) => {
    await expectForbidden(await get('/reports', await bearer(who)))
    expect(reached).toEqual([])
  })

  it('answers a customer 403 on an endpoint for staff', async () => {
    await expectForbidden(await get('/staff', await bearer(ann)))
  })

  it('holds each method to its own row: a mechanic may read a thing but not delete it', async () => {
    expect((await get('/things/t-ann', await bearer(mechanic))).status).toBe(200)
    await expectForbidden(
      await app.request('/things/t-ann', { method: 'DELETE', headers: await bearer(mechanic) }),
    )
    expect(reached).toEqual(['GET /things/{thingId}'])
    expect(
      (await app.request('/things/t-ann', { method: 'DELETE', headers: await bearer(manager) })).status,
    ).toBe(204)
  })
})

describe('an endpoint with {customerId} in its path', () => {
  it('serves a customer their own', async () => {
    const response = await get('/customers/ann', await bearer(ann))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ customerId: 'ann' })
  })

  it("answers a customer asking for another customer's 403 without running the handler", async () => {
    await expectForbidden(await get('/customers/ann', await bearer(bob)))
    expect(reached).toEqual([])
  })

  it('compares the id as the handler reads it, URL-encoded or not', async () => {
    // `%61nn` is `ann`: the handler would serve ann's, so it is ann's to see and not bob's.
    const encoded = await get('/customers/%61nn', await bearer(ann))
    expect(encoded.status).toBe(200)
    expect(await encoded.json()).toEqual({ customerId: 'ann' })
    await expectForbidden(await get('/customers/%61nn', await bearer(bob)))
    await expectForbidden(await get('/customers/%62ob', await bearer(ann)))
    const colon = { role: 'customer', customerId: 'fleet:7' } as const
    expect(await (await get('/customers/fleet%3A7', await bearer(colon))).json()).toEqual({
      customerId: 'fleet:7',
    })
    await expectForbidden(await get('/customers/fleet%3A7', await bearer(ann)))
  })

  it('does not take an id that only starts like the customer’s own', async () => {
    await expectForbidden(await get('/customers/anna', await bearer(ann)))
    await expectForbidden(await get('/customers/an', await bearer(ann)))
  })

  it('serves staff any customer', async () => {
    for (const who of [mechanic, support, manager])
      expect((await get('/customers/bob', await bearer(who))).status).toBe(200)
  })
})

describe('handlers narrowing to a customer', () => {
  it('list only what the customer owns (customerScope)', async () => {
    expect(await (await get('/things', await bearer(ann))).json()).toEqual([things[0]])
    expect(await (await get('/things', await bearer(bob))).json()).toEqual([things[1]])
  })

  it('list everything for staff', async () => {
    expect(await (await get('/things', await bearer(support))).json()).toEqual(things)
  })

  it("answer a customer asking for another customer's item 403 (ownedItem), and their own 200", async () => {
    await expectForbidden(await get('/things/t-bob', await bearer(ann)))
    expect(await (await get('/things/t-ann', await bearer(ann))).json()).toEqual(things[0])
    expect((await get('/things/t-bob', await bearer(mechanic))).status).toBe(200)
  })

  it('answer a customer asking for an item that does not exist 403 too, so they learn nothing of others; staff 404', async () => {
    await expectForbidden(await get('/things/t-none', await bearer(ann)))
    expect((await get('/things/t-none', await bearer(mechanic))).status).toBe(404)
  })
})

describe('a path the table does not have', () => {
  it('needs credentials: 401 without them', async () => {
    await expectUnauthenticated(await get('/nowhere'), /Sign in first/, 'Bearer')
  })

  it('is 404 problem+json when signed in', async () => {
    const response = await get('/nowhere', await bearer(ann))
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toBe('application/problem+json')
  })

  it('keeps a route the app serves but the table does not name closed, signed in or not', async () => {
    await expectUnauthenticated(await get('/backdoor'), /Sign in first/, 'Bearer')
    for (const who of [ann, mechanic, manager]) {
      const response = await get('/backdoor', await bearer(who))
      expect(response.status).toBe(404)
    }
    expect(reached).toEqual([])
  })
})

describe('a path the table has, asked with another method', () => {
  it('is 405 naming the methods the path takes, also without credentials', async () => {
    for (const headers of [{}, await bearer(ann)]) {
      const response = await app.request('/reports', { method: 'POST', headers })
      expect(response.status).toBe(405)
      expect(response.headers.get('content-type')).toBe('application/problem+json')
      expect(response.headers.get('allow')?.split(', ').sort()).toEqual(['GET', 'HEAD'])
    }
  })

  it('keeps a route the app serves but the table does not name for that method closed: 405, not served', async () => {
    for (const headers of [{}, await bearer(ann), await bearer(manager)]) {
      const response = await app.request('/things/t-ann', { method: 'PUT', headers })
      expect(response.status).toBe(405)
      expect(response.headers.get('allow')?.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD'])
    }
    expect(reached).toEqual([])
  })
})

describe('HEAD', () => {
  const head = (path: string, headers: Record<string, string> = {}) =>
    app.request(path, { method: 'HEAD', headers })

  it("follows GET's rule: open where GET is open", async () => {
    expect((await head('/open')).status).toBe(200)
  })

  it("follows GET's rule: 401 without credentials, 403 for a role GET refuses, 200 for one it serves", async () => {
    expect((await head('/staff')).status).toBe(401)
    expect((await head('/reports', await bearer(mechanic))).status).toBe(403)
    expect((await head('/customers/ann', await bearer(bob))).status).toBe(403)
    expect((await head('/reports', await bearer(manager))).status).toBe(200)
  })
})

describe('the actor', () => {
  it.each([
    ['anonymous without credentials', {}, 'anonymous'],
    ['staff:<email> for a member of staff', { who: manager }, 'staff:manager@pitstop.local'],
    ['customer:<id> for a customer', { who: ann }, 'customer:ann'],
  ])(
    'is %s, in the metadata of the events a request causes',
    async (_, { who }: { who?: Identity }, actor) => {
      const headers = who ? await bearer(who) : {}
      const response = await app.request('/events', { method: 'POST', headers })
      expect(response.status).toBe(201)
      expect(await response.json()).toMatchObject({ actor })
    },
  )

  it('is anonymous for a refused token on an endpoint anyone may call', async () => {
    const headers = { authorization: `Bearer ${await badTokens.revoked()}` }
    expect(await (await app.request('/events', { method: 'POST', headers })).json()).toMatchObject({
      actor: 'anonymous',
    })
  })
})

describe('routeOf', () => {
  it('turns a table key into the method and the route, without its query', () => {
    expect(routeOf('GET /api/workshop/jobs?from={date}&to={date}')).toEqual({
      method: 'GET',
      path: '/api/workshop/jobs',
    })
    expect(routeOf('PUT /api/workshop/planning/{date}/jobs/{jobId}/finish')).toEqual({
      method: 'PUT',
      path: '/api/workshop/planning/:date/jobs/:jobId/finish',
    })
  })
})
