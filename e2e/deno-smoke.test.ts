import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { sampleCustomer } from '../shared/host/node/test-host.ts'
import { aDayAtTheGarage } from './garage-day.ts'
import { theLiveApproval } from './live-approval.ts'
import { startNodeHost } from './node-host.ts'

let host: Awaited<ReturnType<typeof startNodeHost>>
beforeAll(async () => {
  // Deno's first start compiles and caches the code; on a loaded machine that takes a while.
  // A manual clock, so an approval's reading and answer take the minutes the scenario says.
  host = await startNodeHost({ LOG_LEVEL: 'info', CLOCK: 'manual' }, { runtime: 'deno' })
}, 120_000)
afterAll(() => host.cleanup())

describe('the Node host under Deno (npm run start:deno)', () => {
  it('serves the APIs, carries events through Redis and passes a day at the garage', async () => {
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
  }, 60_000)

  it('carries an approval live over Server-Sent Events', async () => {
    await theLiveApproval(host.url, undefined, { timeout: 20_000, interval: 100 })
  }, 60_000)

  it('serves the web app: its pages and their files', async () => {
    const signIn = await fetch(`${host.url}/sign-in`)
    expect(signIn.headers.get('content-type')).toContain('text/html')
    expect(await signIn.text()).toContain('<h1>Sign in</h1>')
    const home = await fetch(`${host.url}/`, { headers: { authorization: host.authorization() } })
    expect(await home.text()).toContain('<h1>Welcome to Pitstop</h1>')
    const style = await fetch(`${host.url}/assets/app.css`)
    expect(style.headers.get('content-type')).toContain('text/css')
    expect(await style.text()).toContain(':root')
  })

  it('stops cleanly on SIGTERM', async () => {
    expect(await host.signal('SIGTERM')).toBe(0)
    expect(host.output()).toContain('"host":"deno"')
    expect(host.output()).toContain('"msg":"stopped"')
  }, 60_000)
})
