import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, startAuthHost, type AuthHost } from './testing.ts'

// Defaults: 5 failures per account and 20 per client address within 15 minutes. Each test uses its own
// accounts (unknown ones fail alike) and client addresses (127.0.x.y), so they do not count for each other.
let host: AuthHost
beforeAll(async () => {
  host = await startAuthHost({
    env: {
      STAFF_ACCOUNTS:
        'mechanic:ann@garage.example:right,manager:bo@garage.example:right,support:cees@garage.example:right',
    },
  })
})
afterAll(() => host.cleanup())

const MINUTE = 60_000
const attempt = (email: string, from: string, password = 'wrong') => login(host, email, password, { from })
const statuses = async (n: number, email: (i: number) => string, from: (i: number) => string) => {
  const result: number[] = []
  for (let i = 0; i < n; i++) result.push((await attempt(email(i), from(i))).res.status)
  return result
}

describe('failed sign-ins to one account', () => {
  it('are answered 401 up to the fifth, and 429 from the sixth on, with Retry-After until the window frees', async () => {
    expect(
      await statuses(
        5,
        () => 'acct-1@garage.example',
        (i) => `127.0.1.${i + 1}`,
      ),
    ).toEqual([401, 401, 401, 401, 401])
    host.clock.advance(5 * MINUTE)
    const sixth = await attempt('acct-1@garage.example', '127.0.1.9')
    expect(sixth.res.status).toBe(429)
    expect(sixth.res.headers.get('retry-after')).toBe(String(10 * 60))
    expect(sixth.res.headers.get('content-type')).toBe('application/problem+json')
    expect(sixth.body).toEqual({
      type: 'urn:pitstop:problem:too-many-requests',
      title: 'Too many failed sign-ins; try again later',
      status: 429,
      instance: '/api/auth/login',
    })
  })

  it('are counted per account, from whatever client: another account from the same client is not refused', async () => {
    await statuses(
      5,
      () => 'acct-2@garage.example',
      () => '127.0.2.1',
    )
    expect((await attempt('acct-2@garage.example', '127.0.2.2')).res.status).toBe(429)
    expect((await attempt('acct-2b@garage.example', '127.0.2.1')).res.status).toBe(401)
  })

  it('refuse the right password too, unchecked, while the account is throttled', async () => {
    await statuses(
      5,
      () => 'ann@garage.example',
      () => '127.0.3.1',
    )
    const right = await attempt('ann@garage.example', '127.0.3.2', 'right')
    expect(right.res.status).toBe(429)
  })

  it('are forgotten as the window passes: free again once the oldest is 15 minutes old', async () => {
    await attempt('acct-4@garage.example', '127.0.4.1')
    host.clock.advance(MINUTE)
    await statuses(
      4,
      () => 'acct-4@garage.example',
      () => '127.0.4.1',
    )
    const refused = await attempt('acct-4@garage.example', '127.0.4.1')
    expect(refused.res.headers.get('retry-after')).toBe(String(14 * 60))
    host.clock.advance(14 * MINUTE - 1000)
    const stillRefused = await attempt('acct-4@garage.example', '127.0.4.1')
    expect(stillRefused.res.status).toBe(429)
    expect(stillRefused.res.headers.get('retry-after')).toBe('1')
    host.clock.advance(1000)
    expect((await attempt('acct-4@garage.example', '127.0.4.1')).res.status).toBe(401)
    // The fifth failure in the window again: the four of a minute later free the next one.
    const again = await attempt('acct-4@garage.example', '127.0.4.1')
    expect(again.res.status).toBe(429)
    expect(again.res.headers.get('retry-after')).toBe(String(MINUTE / 1000))
  })

  it('are reset by a successful sign-in', async () => {
    await statuses(
      4,
      () => 'bo@garage.example',
      () => '127.0.5.1',
    )
    expect((await attempt('bo@garage.example', '127.0.5.1', 'right')).res.status).toBe(200)
    expect(
      await statuses(
        5,
        () => 'bo@garage.example',
        () => '127.0.5.1',
      ),
    ).toEqual([401, 401, 401, 401, 401])
    expect((await attempt('bo@garage.example', '127.0.5.1')).res.status).toBe(429)
  })

  it('cannot slip in under the limit all at once: of 12 concurrent guesses, 5 are checked', async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => attempt('acct-6@garage.example', `127.0.6.${i + 1}`)),
    )
    const counted = answers.map((a) => a.res.status).sort()
    expect(counted).toEqual([...Array(5).fill(401), ...Array(7).fill(429)])
  })
})

describe('failed sign-ins from one client address', () => {
  it('are answered 401 up to the twentieth, to any accounts, and 429 from the 21st on; other clients are not refused', async () => {
    expect(
      await statuses(
        20,
        (i) => `spray-${i}@garage.example`,
        () => '127.0.7.1',
      ),
    ).toEqual(Array(20).fill(401))
    const next = await attempt('spray-new@garage.example', '127.0.7.1')
    expect(next.res.status).toBe(429)
    expect(Number(next.res.headers.get('retry-after'))).toBe(15 * 60)
    expect((await attempt('spray-new@garage.example', '127.0.7.2')).res.status).toBe(401)
  })

  it('are not forgiven by a success: a working account does not reset its client', async () => {
    await statuses(
      19,
      (i) => `stuff-${i}@garage.example`,
      () => '127.0.8.1',
    )
    expect((await attempt('cees@garage.example', '127.0.8.1', 'right')).res.status).toBe(200)
    expect((await attempt('stuff-19@garage.example', '127.0.8.1')).res.status).toBe(401)
    expect((await attempt('cees@garage.example', '127.0.8.1', 'right')).res.status).toBe(429)
  })
})

describe('the throttle', () => {
  it('outlives a restart: it is kept in the auth database', async () => {
    await statuses(
      5,
      () => 'acct-9@garage.example',
      () => '127.0.9.1',
    )
    await host.restart()
    expect((await attempt('acct-9@garage.example', '127.0.9.2')).res.status).toBe(429)
  })
})
