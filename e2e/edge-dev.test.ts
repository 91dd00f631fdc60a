import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, watchedPage } from './browser.ts'
import { aDayAtTheGarage } from './garage-day.ts'
import { startNodeHost } from './node-host.ts'
import { theLiveApproval } from './live-approval.ts'
import { theRepairSaga } from './repair-saga.ts'

let host: Awaited<ReturnType<typeof startNodeHost>>
beforeAll(async () => {
  // A manual clock, so the repair saga can let an approval expire.
  host = await startNodeHost({ LOG_LEVEL: 'warn', CLOCK: 'manual' }, { runtime: 'edge' })
}, 120_000)
afterAll(() => host.cleanup())

describe('the workers under wrangler dev (npm run dev:edge)', () => {
  it('reports every worker, its database and Redis on /health, and lists the APIs on /api', async () => {
    expect(await (await host.get('/health')).json()).toMatchObject({
      status: 'ok',
      redis: 'ok',
      services: { customers: { database: 'ok' }, vehicles: { database: 'ok' }, workshop: { database: 'ok' } },
    })
    expect(await (await host.get('/api')).text()).toContain('POST /api/workshop/planning/{date}/jobs')
  })

  it('serves the web app: its pages from the gateway worker, its files from the static assets', async () => {
    const browser = await launchChromium()
    try {
      const { page, complaints } = await watchedPage(browser)
      await page.goto(`${host.url}/`)
      await page.getByLabel('E-mail address', { exact: true }).fill('mechanic@pitstop.local')
      await page.getByLabel('Password', { exact: true }).fill('pitstop')
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByRole('heading', { name: 'Welcome to Pitstop' }).waitFor()
      await page.waitForLoadState('load') // the deferred scripts have run
      // The stylesheet applied and the scripts ran: htmx is there, and nothing was refused.
      expect(await page.evaluate('getComputedStyle(document.querySelector("header")).display')).toBe('flex')
      expect(await page.evaluate('typeof htmx')).toBe('object')
      expect(complaints).toEqual([])
    } finally {
      await browser.close()
    }
  }, 60_000)

  it('passes a day at the garage, the workshop consuming from its Durable Object alarm', async () => {
    await aDayAtTheGarage(host, { timeout: 20_000, interval: 100 })
  }, 60_000)

  it('runs the repair saga: reservations committed and released, expiry from the poller, jobs finished', async () => {
    await theRepairSaga(host.url, { timeout: 30_000, interval: 100 })
  }, 240_000)

  it('carries an approval live: Server-Sent Events through the gateway, each stream polling its worker', async () => {
    await theLiveApproval(host.url, undefined, { timeout: 30_000, interval: 100 })
  }, 120_000)

  it('stops wrangler, the libSQL dev server and everything else on SIGTERM, exiting 0', async () => {
    expect(await host.signal('SIGTERM')).toBe(0)
  })
})
