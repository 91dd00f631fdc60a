import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestHost, type TestHost } from './test-host.ts'

// `/health` stays open, so a load balancer can ask it; what is failing and why is for the manager.
let host: TestHost
beforeAll(async () => {
  host = await startTestHost({ services: ['customers', 'workshop'] })
})
afterAll(() => host.cleanup())

describe('/health on the Node host', () => {
  it('tells an anonymous caller only whether the system is up', async () => {
    const response = await fetch(`${host.url}/health`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it.each(['mechanic', 'support'] as const)('tells the %s no more than that', async (role) => {
    const token = await host.tokenFor({ role, email: `${role}@pitstop.local` })
    const response = await host.get('/health', { authorization: `Bearer ${token}` })
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it('tells the manager every service, its database, its consumers and Redis', async () => {
    const report = (await (await host.get('/health')).json()) as {
      services: Record<string, unknown>
    }
    expect(report).toMatchObject({ status: 'ok', redis: 'ok' })
    expect(Object.keys(report.services)).toEqual(['customers', 'workshop'])
    expect(report.services.workshop).toMatchObject({ database: 'ok', problems: [] })
  })
})
