import { afterAll, beforeAll, describe, it } from 'vitest'
import { theLiveApproval } from './live-approval.ts'
import { startNodeHost } from './node-host.ts'

let host: Awaited<ReturnType<typeof startNodeHost>>
beforeAll(async () => {
  host = await startNodeHost({ CLOCK: 'manual' })
}, 60_000)
afterAll(() => host?.cleanup())

describe('an approval as it happens, through the Node host', () => {
  it('reaches the customer’s open stream, comes back to the mechanic’s, and resumes where a stream left off', async () => {
    await theLiveApproval(host.url)
  }, 60_000)
})
