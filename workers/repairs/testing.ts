import { expect, vi } from 'vitest'
import type { Clock } from '../../shared/clock.ts'
import type { HostConfig } from '../../shared/host/config.ts'
import {
  sampleCustomer,
  sampleVehicle,
  startTestHost,
  type TestHost,
} from '../../shared/host/node/test-host.ts'
import type { StartOptions } from '../../shared/host/node/services.ts'
import { streamProducer } from '../../shared/testing/stream-producer.ts'

// What the repairs tests share. Jobs come from the real workshop, planned through its API in the same
// host: the repairs consumer group reads them from its stream as in production. Parts answers come from
// `partsProducer`, a real outbox and relay publishing to `<prefix>.parts` (see there).

/** The services a repairs test runs: the workshop plans the jobs repairs are started on. */
export const withWorkshop = ['customers', 'vehicles', 'workshop', 'repairs']

export const waitLong = { timeout: 10_000, interval: 25 }

/** A customer with a vehicle, both known to the workshop. */
export async function registerCustomer(host: TestHost, customerId: string, licenseNumber: string) {
  expect((await host.post('/api/customers', sampleCustomer(customerId))).status).toBe(201)
  expect((await host.post('/api/vehicles', sampleVehicle(licenseNumber, customerId))).status).toBe(201)
  await vi.waitFor(
    async () => expect((await host.get(`/api/workshop/refdata/vehicles/${licenseNumber}`)).status).toBe(200),
    waitLong,
  )
}

/** Plans a job in the workshop for a customer registered before; returns the planning's date. */
export async function planJob(
  host: TestHost,
  job: { jobId: string; customerId: string; licenseNumber: string; date?: string; hour?: string },
) {
  const { date = '2026-12-07', hour = '09', ...who } = job
  const planned = await host.post(`/api/workshop/planning/${date}/jobs`, {
    ...who,
    startTime: `${date}T${hour}:00:00.000Z`,
    endTime: `${date}T${hour}:45:00.000Z`,
    description: 'Yearly service',
  })
  expect(planned.status, await planned.text()).toBe(201)
  return date
}

/** Starts a repair of a job planned a moment ago, once the repairs service has read the job. */
export async function startRepair(host: TestHost, repairId: string, jobId: string) {
  let answer: Response | undefined
  await vi.waitFor(async () => {
    answer = await host.post('/api/repairs', { repairId, jobId })
    expect(answer.status).not.toBe(422)
  }, waitLong)
  expect(answer!.status).toBe(201)
  return (await answer!.json()) as Record<string, unknown>
}

/** The repair as staff see it, with its timeline. */
export async function repairOf(host: TestHost, repairId: string) {
  const answer = await host.get(`/api/repairs/${repairId}`)
  expect(answer.status).toBe(200)
  return (await answer.json()) as {
    status: string
    proposals: Record<string, unknown>[]
    timeline: { type: string; actor: string; occurredAt: string; data: Record<string, unknown> }[]
  } & Record<string, unknown>
}

/** Waits until the repair has this status (the parts answer goes through the streams). */
export const untilStatus = (host: TestHost, repairId: string, status: string) =>
  vi.waitFor(async () => expect((await repairOf(host, repairId)).status).toBe(status), waitLong)

/**
 * The parts service as repairs sees it: its events committed to an outbox in a libSQL database of its
 * own and published by a real `OutboxRelay` to `<prefix>.parts`, so the stream holds what the parts
 * service's relay would write (entry ids from the outbox's seqs, stamped with the database's origin).
 */
export const partsProducer = (host: TestHost) =>
  streamProducer<ReturnType<typeof partsReserved> | ReturnType<typeof partsUnavailable>>({
    service: 'parts',
    streamPrefix: host.config.streamPrefix,
    redisUrl: host.config.redisUrl,
    streamOf: (event) => event.data.reservationId,
    actor: 'parts',
  })
export type PartsProducer = Awaited<ReturnType<typeof partsProducer>>

/** `PartsReserved` for a proposal: each line at its unit price in cents, all from one lot. */
export const partsReserved = (
  repairId: string,
  proposalId: string,
  lines: { partNumber: string; quantity: number; unitPriceCents: number; lotId?: string }[],
) => ({
  type: 'PartsReserved' as const,
  data: {
    reservationId: proposalId,
    repairId,
    lines: lines.map(({ lotId = 'lot-1', ...line }) => ({ ...line, lotId })),
  },
})

export const partsUnavailable = (
  repairId: string,
  proposalId: string,
  shortages: { partNumber: string; requested: number; available: number }[],
) => ({ type: 'PartsUnavailable' as const, data: { reservationId: proposalId, repairId, shortages } })

/** A host running repairs with the workshop, with a clock of the test's when given. */
export async function startRepairsHost(
  overrides: Partial<HostConfig> = {},
  options: StartOptions & { clock?: Clock } = {},
) {
  return startTestHost({ services: withWorkshop, ...overrides }, options)
}
