import { afterAll, beforeAll, describe, it } from 'vitest'
import { startNodeHost } from './node-host.ts'
import { theRepairSaga } from './repair-saga.ts'

let host: Awaited<ReturnType<typeof startNodeHost>>
beforeAll(async () => {
  host = await startNodeHost({ CLOCK: 'manual' })
}, 60_000)
afterAll(() => host?.cleanup())

describe('the repair saga through the Node host', () => {
  it('approves, rejects, expires and falls short, with the stock right after every step, and finishes each job', async () => {
    await theRepairSaga(host.url)
  }, 120_000)
})
