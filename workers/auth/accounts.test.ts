import { eq } from 'drizzle-orm'
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { outbox } from '../../shared/db/kernel-schema.ts'
import { staffAccounts } from './schema.ts'
import { login, startAuthHost } from './testing.ts'

const production = { NODE_ENV: 'production', AUTH_SECRET: 'a production secret of at least 32 characters' }
const demo = ['mechanic@pitstop.local', 'support@pitstop.local', 'manager@pitstop.local']

async function host(env: Record<string, string> = {}) {
  const started = await startAuthHost({ env })
  onTestFinished(() => started.cleanup())
  return started
}
const storedHash = async (h: Awaited<ReturnType<typeof host>>, email: string) =>
  (await h.db().select().from(staffAccounts).where(eq(staffAccounts.email, email)))[0]?.passwordHash
const endedReasons = async (h: Awaited<ReturnType<typeof host>>) =>
  (await h.db().select().from(outbox))
    .map((row) => JSON.parse(row.envelope) as { type: string; data: { actor: string; reason: string } })
    .filter((e) => e.type === 'SessionEnded')
    .map((e) => [e.data.actor, e.data.reason])

describe('without STAFF_ACCOUNTS, outside production', () => {
  it('signs in the demo accounts, password pitstop, each with its role', async () => {
    const h = await host()
    for (const email of demo) {
      const { res, body } = await login(h, email, 'pitstop')
      expect(res.status, email).toBe(200)
      expect(body.role).toBe(email.split('@')[0])
    }
  })

  it('says so at start with a warning listing them, and the password', async () => {
    const h = await host()
    const warning = h.logs.find((line) => line.level === 40 && /demo accounts/.test(line.msg))!
    for (const email of demo) expect(warning.msg).toContain(email)
    expect(warning.msg).toContain('password "pitstop"')
    expect(warning.accounts).toEqual(demo.map((email) => ({ email, role: email.split('@')[0] })))
  })
})

describe('without STAFF_ACCOUNTS, in production', () => {
  it('starts, signs nobody in, and logs an error saying so', async () => {
    const h = await host(production)
    expect((await login(h, 'manager@pitstop.local', 'pitstop')).res.status).toBe(401)
    expect(h.logs.some((line) => line.level === 50 && /nobody can sign in/.test(line.msg))).toBe(true)
    expect(h.logs.some((line) => /demo accounts/.test(line.msg))).toBe(false)
  })

  it('removes the demo accounts a development run left in its database', async () => {
    const h = await host()
    await h.restart(production)
    expect((await login(h, 'manager@pitstop.local', 'pitstop')).res.status).toBe(401)
    expect(await storedHash(h, 'manager@pitstop.local')).toBeUndefined()
  })
})

describe('with STAFF_ACCOUNTS', () => {
  const accounts = 'mechanic:ann@garage.example:spanner,manager:bo@garage.example:ledger'

  it('signs in exactly those accounts, also in production, and no demo account', async () => {
    for (const env of [{ STAFF_ACCOUNTS: accounts }, { ...production, STAFF_ACCOUNTS: accounts }]) {
      const h = await host(env)
      expect((await login(h, 'ann@garage.example', 'spanner')).body.role).toBe('mechanic')
      expect((await login(h, 'bo@garage.example', 'ledger')).body.role).toBe('manager')
      expect((await login(h, 'manager@pitstop.local', 'pitstop')).res.status).toBe(401)
    }
  })

  it('stores hashes, never the passwords', async () => {
    const h = await host({ STAFF_ACCOUNTS: accounts })
    await login(h, 'ann@garage.example', 'spanner')
    const rows = JSON.stringify(await h.db().select().from(staffAccounts))
    expect(rows).not.toContain('spanner')
    expect(await storedHash(h, 'ann@garage.example')).toMatch(/^pbkdf2-sha256\$1000\$/)
  })

  it('keeps an unchanged account as it was over a restart, its hash and its sessions', async () => {
    const h = await host({ STAFF_ACCOUNTS: accounts })
    const { body } = await login(h, 'ann@garage.example', 'spanner')
    const hash = await storedHash(h, 'ann@garage.example')
    await h.restart()
    expect(await storedHash(h, 'ann@garage.example')).toBe(hash)
    expect((await h.get('/api/auth/me', { headers: h.bearer(body.token) })).status).toBe(200)
  })

  it('gives an account whose password changed the new one, and ends its sessions', async () => {
    const h = await host({ STAFF_ACCOUNTS: accounts })
    const { body } = await login(h, 'ann@garage.example', 'spanner')
    await h.restart({ STAFF_ACCOUNTS: 'mechanic:ann@garage.example:wrench,manager:bo@garage.example:ledger' })
    expect((await login(h, 'ann@garage.example', 'spanner')).res.status).toBe(401)
    expect((await login(h, 'ann@garage.example', 'wrench')).res.status).toBe(200)
    expect((await h.get('/api/auth/me', { headers: h.bearer(body.token) })).status).toBe(401)
    expect(await endedReasons(h)).toEqual([['staff:ann@garage.example', 'account-changed']])
  })

  it('gives an account whose role changed the new role, and ends its sessions', async () => {
    const h = await host({ STAFF_ACCOUNTS: accounts })
    const { body } = await login(h, 'bo@garage.example', 'ledger')
    await h.restart({
      STAFF_ACCOUNTS: 'mechanic:ann@garage.example:spanner,support:bo@garage.example:ledger',
    })
    expect((await login(h, 'bo@garage.example', 'ledger')).body.role).toBe('support')
    expect((await h.get('/api/auth/me', { headers: h.bearer(body.token) })).status).toBe(401)
  })

  it('signs in no account removed from it, and ends its sessions', async () => {
    const h = await host({ STAFF_ACCOUNTS: accounts })
    const { body } = await login(h, 'bo@garage.example', 'ledger')
    await h.restart({ STAFF_ACCOUNTS: 'mechanic:ann@garage.example:spanner' })
    const removed = await login(h, 'bo@garage.example', 'ledger')
    expect(removed.res.status).toBe(401)
    expect(removed.body.type).toBe('urn:pitstop:problem:invalid-credentials')
    expect((await h.get('/api/auth/me', { headers: h.bearer(body.token) })).status).toBe(401)
    expect(await endedReasons(h)).toEqual([['staff:bo@garage.example', 'account-removed']])
    expect((await login(h, 'ann@garage.example', 'spanner')).res.status).toBe(200)
  })
})

describe('a hash of fewer iterations than PASSWORD_ITERATIONS', () => {
  it('is kept at start and re-hashed with the current work factor at the next successful sign-in', async () => {
    const h = await host({ STAFF_ACCOUNTS: 'mechanic:ann@garage.example:spanner' })
    // Hashed at start, in the background; a sign-in waits for it.
    const old = await vi.waitFor(async () => {
      const hash = await storedHash(h, 'ann@garage.example')
      expect(hash).toBeDefined()
      return hash!
    })
    expect(old).toMatch(/^pbkdf2-sha256\$1000\$/)
    await h.restart({ STAFF_ACCOUNTS: 'mechanic:ann@garage.example:spanner', PASSWORD_ITERATIONS: '2000' })

    expect((await login(h, 'ann@garage.example', 'wrong')).res.status).toBe(401)
    expect(await storedHash(h, 'ann@garage.example')).toBe(old)
    expect((await login(h, 'ann@garage.example', 'spanner')).res.status).toBe(200)
    const rehashed = (await storedHash(h, 'ann@garage.example'))!
    expect(rehashed).toMatch(/^pbkdf2-sha256\$2000\$/)
    expect((await login(h, 'ann@garage.example', 'spanner')).res.status).toBe(200)
    expect(await storedHash(h, 'ann@garage.example')).toBe(rehashed)
  })
})

describe('signing in', () => {
  it('takes as long for an unknown e-mail address as for a wrong password (one hash each)', async () => {
    const h = await host({ PASSWORD_ITERATIONS: '100000', LOGIN_MAX_FAILURES_PER_CLIENT: '1000' })
    await login(h, 'manager@pitstop.local', 'warm-up', { from: '127.0.0.9' })
    const time = async (email: string, from: string) => {
      const started = performance.now()
      await login(h, email, 'wrong', { from })
      return performance.now() - started
    }
    const known: number[] = []
    const unknown: number[] = []
    for (let i = 0; i < 4; i++) {
      known.push(await time(`${demo[i % 3]}`, `127.0.10.${i}`))
      unknown.push(await time(`nobody-${i}@pitstop.local`, `127.0.11.${i}`))
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
    expect(median(unknown)).toBeGreaterThan(median(known) / 2)
    expect(median(unknown)).toBeLessThan(median(known) * 2)
  })
})
