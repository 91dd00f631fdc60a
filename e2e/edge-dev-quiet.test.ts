import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MANAGER, startNodeHost } from './node-host.ts'

const secret = 'the edge secret of this test, never printed'

let host: Awaited<ReturnType<typeof startNodeHost>>
beforeAll(async () => {
  host = await startNodeHost(
    { AUTH_SECRET: secret, STAFF_ACCOUNTS: `manager:${MANAGER.email}:${MANAGER.password}` },
    { runtime: 'edge' },
  )
}, 120_000)
afterAll(async () => {
  await host.signal('SIGTERM')
  await host.cleanup()
})

describe('npm run dev:edge, started', () => {
  it("says what it serves without wrangler's banner, update check, telemetry notice or Request.cf fetch", () => {
    const output = host.output()
    expect(output).toContain('Ready on http://127.0.0.1:')
    expect(output).not.toContain('⛅️ wrangler')
    expect(output).not.toContain('update available')
    expect(output).not.toMatch(/telemetry/i)
    expect(output).not.toContain('Unable to fetch the `Request.cf` object')
  })

  it('shows no secret where wrangler prints the variables: AUTH_SECRET and STAFF_ACCOUNTS are hidden', () => {
    const output = host.output()
    expect(output).toMatch(/env\.AUTH_SECRET \("\(hidden\)"\)/)
    expect(output).not.toContain(secret.slice(0, 12))
    expect(output).not.toContain(
      MANAGER.password === 'pitstop' ? `${MANAGER.email}:pitstop` : MANAGER.password,
    )
  })
})
