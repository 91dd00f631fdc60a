import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { revokedSessionsKey } from '../../shared/auth/revocations.ts'
import { TEST_REDIS_URL } from '../../shared/testing/redis.ts'
import { login, startAuthHost, type AuthHost } from './testing.ts'

// Redis's list of ended sessions is a copy; the auth database is the record it is written again from
// when Redis has lost it (FLUSHALL, a restart without persistence) — here its key alone is deleted.
let host: AuthHost
const redis = new Redis(TEST_REDIS_URL)
beforeAll(async () => {
  host = await startAuthHost()
})
afterAll(async () => {
  await host.cleanup()
  redis.disconnect()
})

const key = () => revokedSessionsKey(host.config.streamPrefix)
const listed = async () => await redis.zcard(key())
/** Signs in and out; the token, now ended. */
async function endedSession(email = 'mechanic@pitstop.local') {
  const { body } = await login(host, email, 'pitstop')
  expect((await host.post('/api/auth/logout', undefined, { headers: host.bearer(body.token) })).status).toBe(
    204,
  )
  return body
}
const sessionOf = (token: string) =>
  (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti
const status = async (token: string) =>
  (await host.get('/api/auth/me', { headers: host.bearer(token) })).status

describe('the ended sessions lost from Redis', () => {
  it('are written back at start, so a fresh process still refuses their tokens', async () => {
    const ended = await endedSession()
    expect(Number(await redis.zscore(key(), sessionOf(ended.token)))).toBe(
      Date.parse(ended.expiresAt as string),
    )
    await redis.del(key())
    await host.restart()
    await expect.poll(listed).toBe(1)
    expect(await status(ended.token)).toBe(401)
  })

  it('are written back at the next sign-out', async () => {
    const first = await endedSession()
    const before = await listed()
    const { body } = await login(host, 'support@pitstop.local', 'pitstop')
    await redis.del(key())
    expect(
      (await host.post('/api/auth/logout', undefined, { headers: host.bearer(body.token) })).status,
    ).toBe(204)
    expect(await listed()).toBe(before + 1)
    await host.restart()
    expect(await status(first.token)).toBe(401)
  })

  it('are written back at the next sign-in', async () => {
    const before = await listed()
    await redis.del(key())
    await login(host, 'manager@pitstop.local', 'pitstop')
    expect(await listed()).toBe(before)
  })

  it('are not written back once expired', async () => {
    host.clock.advance(10 * 3_600_000)
    await redis.del(key())
    const last = await endedSession()
    expect(await listed()).toBe(1)
    expect(await status(last.token)).toBe(401)
  })
})
