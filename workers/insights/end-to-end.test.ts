import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { startTestHost, type TestHost } from '../../shared/host/node/test-host.ts'
import { planJob, registerCustomer, startRepair, untilStatus, waitLong } from '../repairs/testing.ts'
import { testClock } from './testing.ts'

// The figures of one real repair: the workshop plans the job, the mechanic proposes extra work, the
// parts service reserves, the customer reads the notification and approves, the job is finished. Every
// service runs on one clock the test sets, so the times between the steps are known.

let host: TestHost
const clock = testClock('2026-12-07T08:00:00.000Z')
beforeAll(async () => {
  const services = ['customers', 'vehicles', 'workshop', 'repairs', 'parts', 'notifications', 'insights']
  host = await startTestHost({ services }, { clock })
}, 30_000)
afterAll(() => host?.cleanup())

const ann = { customerId: 'ann', licenseNumber: 'AN-12-NA' }
const asAnn = async () => ({
  authorization: `Bearer ${await host.tokenFor({ role: 'customer', customerId: ann.customerId })}`,
})

describe('insights of a repair done through the services', () => {
  it('counts the approval, its reaction and approval times, and the job as planned and finished', async () => {
    await registerCustomer(host, ann.customerId, ann.licenseNumber)
    const date = await planJob(host, { jobId: 'job-ann', ...ann })
    await startRepair(host, 'repair-ann', 'job-ann')

    // Asked at 09:00: the parts service reserves, and repairs asks ann.
    clock.set(`${date}T09:00:00.000Z`)
    const proposal = { proposalId: 'p-ann', description: 'Brake pads', labourHours: 1, parts: [] }
    expect((await host.post('/api/repairs/repair-ann/proposals', proposal)).status).toBe(202)
    await untilStatus(host, 'repair-ann', 'awaiting-approval')
    let notificationId = ''
    await vi.waitFor(async () => {
      const notices = (await (await host.get('/api/notifications', await asAnn())).json()) as {
        notificationId: string
        kind: string
      }[]
      notificationId = notices.find((n) => n.kind === 'approval-requested')?.notificationId ?? ''
      expect(notificationId).not.toBe('')
    }, waitLong)

    // Read at 09:04, approved at 09:10.
    clock.set(`${date}T09:04:00.000Z`)
    expect((await host.post(`/api/notifications/${notificationId}/read`, {}, await asAnn())).status).toBe(200)
    clock.set(`${date}T09:10:00.000Z`)
    expect(
      (await host.post('/api/repairs/repair-ann/approve', { proposalId: 'p-ann' }, await asAnn())).status,
    ).toBe(200)
    // Planned 09:00–09:45, done 09:00–10:00.
    clock.set(`${date}T10:00:00.000Z`)
    const finish = { startTime: `${date}T09:00:00.000Z`, endTime: `${date}T10:00:00.000Z`, notes: 'Done' }
    expect((await host.put(`/api/workshop/planning/${date}/jobs/job-ann/finish`, finish)).status).toBe(200)

    await vi.waitFor(async () => {
      const summary = await (await host.get(`/api/insights/summary?from=${date}&to=${date}`)).json()
      expect(summary).toMatchObject({
        approvals: {
          requested: 1,
          approved: 1,
          approvalRate: 1,
          approvalTimeSeconds: { p50: 600, p90: 600 },
          reactionTimeSeconds: { p50: 240, p90: 240 },
        },
        jobs: { planned: 1, finished: 1, averagePlannedMinutes: 45, averageActualMinutes: 60 },
      })
    }, waitLong)
  }, 60_000)
})
