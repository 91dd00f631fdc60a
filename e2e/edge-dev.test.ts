import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
  it('reports every worker, its database and Redis on /health, and lists the APIs on /', async () => {
    expect(await (await host.get('/health')).json()).toMatchObject({
      status: 'ok',
      redis: 'ok',
      services: { customers: { database: 'ok' }, vehicles: { database: 'ok' }, workshop: { database: 'ok' } },
    })
    expect(await (await host.get('/')).text()).toContain('POST /api/workshop/planning/{date}/jobs')
  })

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
