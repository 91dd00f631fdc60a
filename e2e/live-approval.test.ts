import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { theLiveApproval, type LiveApproval } from './live-approval.ts'
import { startNodeHost } from './node-host.ts'

let host: Awaited<ReturnType<typeof startNodeHost>>
beforeAll(async () => {
  host = await startNodeHost({ CLOCK: 'manual' })
}, 60_000)
afterAll(() => host?.cleanup())

const waitLong = { timeout: 15_000, interval: 50 }
const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })
interface Entry {
  kind: string
  who: string
  details: Record<string, unknown>
  readAt?: string | null
}

describe('an approval as it happens, through the Node host', () => {
  let approval: LiveApproval

  it('reaches the customer’s open stream, comes back to the mechanic’s, and resumes where a stream left off', async () => {
    approval = await theLiveApproval(host.url)
  }, 60_000)

  it('is one conversation for support: the request with its price, the answer, and what was read when', async () => {
    const { repairId, tokens } = approval
    const conversation = await vi.waitFor(async () => {
      const res = await fetch(`${host.url}/api/support/conversations/${repairId}`, as(tokens.support))
      expect(res.status).toBe(200)
      const body = (await res.json()) as { status: string; entries: Entry[] }
      expect(body.status).toBe('closed')
      expect(body.entries.map((e) => e.kind)).toContain('notification:repair-completed')
      return body
    }, waitLong)
    const kinds = conversation.entries.map((e) => e.kind)
    expect(kinds.filter((k) => !k.startsWith('notification:'))).toEqual([
      'repair-started',
      'extra-work-proposed',
      'approval-requested',
      'repair-approved',
      'repair-completed',
    ])
    const asked = conversation.entries.find((e) => e.kind === 'approval-requested')!
    expect(asked.details).toMatchObject({ price: { total: '108.50' } })
    const told = conversation.entries.find((e) => e.kind === 'notification:approval-requested')!
    expect(told.readAt).toEqual(expect.any(String))
    expect(kinds.indexOf('notification:approval-requested')).toBeLessThan(kinds.indexOf('repair-approved'))
  })

  it('shows the manager how fast it went: asked, read 10 minutes later, approved after 30', async () => {
    const { askedOn, tokens } = approval
    const summary = await vi.waitFor(async () => {
      const res = await fetch(
        `${host.url}/api/insights/summary?from=${askedOn}&to=${askedOn}`,
        as(tokens.manager),
      )
      expect(res.status).toBe(200)
      const body = (await res.json()) as { approvals: Record<string, unknown> }
      expect(body.approvals).toMatchObject({ approved: 1, reactionTimeSeconds: { p50: 600 } })
      return body
    }, waitLong)
    expect(summary.approvals).toMatchObject({
      requested: 1,
      approved: 1,
      rejected: 0,
      expired: 0,
      approvalRate: 1,
      approvalTimeSeconds: { p50: 1800, p90: 1800 },
      reactionTimeSeconds: { p50: 600, p90: 600 },
    })
    const daily = await fetch(
      `${host.url}/api/insights/daily?from=${askedOn}&to=${askedOn}`,
      as(tokens.manager),
    )
    expect(await daily.json()).toMatchObject({ days: [{ date: askedOn, approvals: { approved: 1 } }] })
  })
})
