import { expect, vi } from 'vitest'
import { sampleCustomer } from '../shared/host/node/test-host.ts'
import type { startNodeHost } from './node-host.ts'

export type Host = Awaited<ReturnType<typeof startNodeHost>>

/** Registers customers from `workers` parallel loops until `until()` says stop; returns the ids answered 2xx. */
export async function burst(
  host: Host,
  prefix: string,
  until: () => boolean,
  workers = 16,
): Promise<string[]> {
  const acknowledged: string[] = []
  let next = 0
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (!until()) {
        const id = `${prefix}-${next++}`
        const res = await host.post('/api/customers', sampleCustomer(id)).catch(() => undefined)
        if (res?.ok) acknowledged.push(id)
        else if (!res) return // connection refused: the host is gone
      }
    }),
  )
  return acknowledged
}

/** The customer ids in the workshop's reference data. */
export async function workshopCustomers(host: Host): Promise<Set<string>> {
  const known = (await (await host.get('/api/workshop/refdata/customers?limit=1000')).json()) as {
    customerId: string
  }[]
  return new Set(known.map((c) => c.customerId))
}

/** Waits until the workshop knows exactly `ids`, each applied once. */
export async function expectAllInWorkshop(host: Host, ids: string[], timeout = 20_000) {
  await vi.waitFor(async () => expect(await workshopCustomers(host)).toEqual(new Set(ids)), {
    timeout,
    interval: 100,
  })
  const log = (await (await host.get('/api/workshop/events?limit=1000')).json()) as {
    id: string
    type: string
  }[]
  const registered = log.filter((e) => e.type === 'CustomerRegistered')
  expect(registered).toHaveLength(ids.length)
  expect(new Set(registered.map((e) => e.id)).size).toBe(ids.length)
}
