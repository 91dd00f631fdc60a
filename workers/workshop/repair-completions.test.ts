import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { TestHost } from '../../shared/host/node/test-host.ts'
import { planJob, registerCustomer, startRepair, startRepairsHost, waitLong } from '../repairs/testing.ts'

// The workshop reads the repairs stream: a completed repair finishes its job. The repairs service runs
// in the same host (CLOCK=manual, so the test moves time between a repair's start and its completion).

let host: TestHost
beforeAll(async () => {
  host = await startRepairsHost({
    services: ['clock', 'customers', 'vehicles', 'workshop', 'repairs'],
    clock: 'manual',
  })
  await registerCustomer(host, 'wes', 'WE-55-SS')
}, 60_000)
afterAll(() => host?.cleanup())

const date = '2026-12-09'
type Job = { status: string; actualStartTime?: string; actualEndTime?: string; notes?: string }
const jobOf = async (jobId: string) =>
  (await (await host.get(`/api/workshop/planning/${date}/jobs/${jobId}`)).json()) as Job
const finishedEvents = async (jobId: string) =>
  (
    (await (await host.get('/api/workshop/events?limit=1000')).json()) as {
      type: string
      data: { jobId?: string }
    }[]
  ).filter((event) => event.type === 'MaintenanceJobFinished' && event.data.jobId === jobId)

async function moveOn(minutes: number) {
  const { now } = (await (await host.get('/api/clock')).json()) as { now: string }
  const to = new Date(Date.parse(now) + minutes * 60_000).toISOString()
  expect((await host.post('/api/clock/advance', { to })).status).toBe(200)
}

async function completedRepairOf(jobId: string, hour: string) {
  await planJob(host, { jobId, customerId: 'wes', licenseNumber: 'WE-55-SS', date, hour })
  await startRepair(host, `repair-${jobId}`, jobId)
  await moveOn(90)
  const completed = await host.post(`/api/repairs/repair-${jobId}/complete`, {})
  expect(completed.status).toBe(200)
  return (await completed.json()) as { startedAt: string; completedAt: string }
}

describe('a completed repair finishes its maintenance job', () => {
  it('from the repair’s start to its completion, once', async () => {
    const repair = await completedRepairOf('job-done', '08')
    await vi.waitFor(
      async () =>
        expect(await jobOf('job-done')).toMatchObject({
          status: 'finished',
          actualStartTime: repair.startedAt,
          actualEndTime: repair.completedAt,
          notes: 'Repair repair-job-done completed',
        }),
      waitLong,
    )
    await vi.waitFor(async () => expect(await finishedEvents('job-done')).toHaveLength(1), waitLong)
  })

  it('leaves a job finished by hand as it was finished', async () => {
    await planJob(host, {
      jobId: 'job-by-hand',
      customerId: 'wes',
      licenseNumber: 'WE-55-SS',
      date,
      hour: '10',
    })
    await startRepair(host, 'repair-job-by-hand', 'job-by-hand')
    const byHand = { startTime: `${date}T10:05:00Z`, endTime: `${date}T10:40:00Z`, notes: 'Done at the desk' }
    expect((await host.put(`/api/workshop/planning/${date}/jobs/job-by-hand/finish`, byHand)).status).toBe(
      200,
    )
    await moveOn(30)
    expect((await host.post('/api/repairs/repair-job-by-hand/complete', {})).status).toBe(200)

    // Applied by the workshop's group once its event log (the group's inbox) holds it: in the same batch.
    await vi.waitFor(async () => {
      const events = (await (await host.get('/api/workshop/events?limit=1000')).json()) as {
        type: string
        data: { repairId?: string }
      }[]
      expect(
        events.some((e) => e.type === 'RepairCompleted' && e.data.repairId === 'repair-job-by-hand'),
      ).toBe(true)
    }, waitLong)
    expect(await jobOf('job-by-hand')).toMatchObject({
      status: 'finished',
      actualStartTime: `${date}T10:05:00.000Z`,
      actualEndTime: `${date}T10:40:00.000Z`,
      notes: 'Done at the desk',
    })
    expect(await finishedEvents('job-by-hand')).toHaveLength(1)
  })
})
