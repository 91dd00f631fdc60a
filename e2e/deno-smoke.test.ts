import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { sampleCustomer } from '../shared/host/node/test-host.ts'
import { aDayAtTheGarage } from './garage-day.ts'
import { startNodeHost } from './node-host.ts'

let host: Awaited<ReturnType<typeof startNodeHost>>
beforeAll(async () => {
  // Deno's first start compiles and caches the code; on a loaded machine that takes a while.
  host = await startNodeHost({ LOG_LEVEL: 'info' }, { runtime: 'deno' })
}, 120_000)
afterAll(() => host.cleanup())

describe('the Node host under Deno (npm run start:deno)', () => {
  it('serves the APIs, carries events through Redis, passes a day at the garage and stops cleanly on SIGTERM', async () => {
    expect(await (await host.get('/health')).json()).toMatchObject({ status: 'ok', redis: 'ok' })
    await aDayAtTheGarage(host, { timeout: 20_000, interval: 100 })

    expect((await host.post('/api/customers', sampleCustomer('noa'))).status).toBe(201)
    await vi.waitFor(
      async () =>
        expect(await (await host.get('/api/workshop/refdata/customers/noa')).json()).toEqual(
          sampleCustomer('noa'),
        ),
      { timeout: 20_000, interval: 100 },
    )

    expect(await host.signal('SIGTERM')).toBe(0)
    expect(host.output()).toContain('"host":"deno"')
    expect(host.output()).toContain('"msg":"stopped"')
  }, 60_000)
})
