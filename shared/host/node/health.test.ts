import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ServiceHealth } from '../health.ts'
import { sampleCustomer, startTestHost, type TestHost } from './test-host.ts'

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

  it("shows the manager each consumer group's streams: length, lag, pending entries and consumers", async () => {
    const customers = `${host.config.streamPrefix}.customers`
    expect((await host.post('/api/customers', sampleCustomer('c-health'))).status).toBe(201)
    const customersOfWorkshop = async () => {
      const report = (await (await host.get('/health')).json()) as {
        services: Record<string, ServiceHealth>
      }
      const [workshop] = report.services.workshop!.consumers
      return workshop!.streams!.find((s) => s.stream === customers)
    }
    // Published, read and acknowledged by the workshop group: nothing behind, nothing in hand.
    await vi.waitFor(
      async () =>
        expect(await customersOfWorkshop()).toEqual({
          stream: customers,
          length: 1,
          lastSeq: 1,
          lastDeliveredSeq: 1,
          lag: 0,
          pending: 0,
          consumers: [{ name: expect.any(String), pending: 0, idleMs: expect.any(Number) }],
        }),
      { timeout: 10_000, interval: 50 },
    )
  })
})
