import { sampleCustomer } from '../shared/host/node/test-host.ts'
import { load, type Request } from './load.ts'
import type { Target } from './sign-in.ts'

const plates = ['BA-01-AA', 'BA-02-AA', 'BA-03-AA']
const days = 500

/** `POST /api/customers`, each time a new customer: `<tag>-0`, `<tag>-1`… */
export function registrations(tag: string): () => Request {
  let n = 0
  return () => ({
    method: 'POST',
    path: '/api/customers',
    body: JSON.stringify(sampleCustomer(`${tag}-${n++}`)),
  })
}

/** Job plans spread over `days` dates, three workstations of 20-minute slots, never breaking a rule. */
export function jobPlans(): () => Request {
  let n = 0
  return () => {
    const i = n++
    const date = new Date(Date.UTC(2030, 0, 1) + (i % days) * 86_400_000).toISOString().slice(0, 10)
    const k = Math.floor(i / days)
    const start = new Date(`${date}T00:00:00Z`).getTime() + Math.floor(k / 3) * 20 * 60_000
    return {
      method: 'POST',
      path: `/api/workshop/planning/${date}/jobs`,
      body: JSON.stringify({
        startTime: new Date(start).toISOString(),
        endTime: new Date(start + 20 * 60_000).toISOString(),
        customerId: 'bench-owner',
        licenseNumber: plates[k % 3],
        description: 'Benchmark service',
      }),
    }
  }
}

/** Registers the customer and vehicles the job plans refer to, with the target's credentials. */
export async function seedWorkshop({ url, headers }: Target) {
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    if (response.status !== 201) throw new Error(`seeding: POST ${path} answered ${response.status}`)
  }
  await post('/api/customers', sampleCustomer('bench-owner'))
  for (const licenseNumber of plates)
    await post('/api/vehicles', { licenseNumber, brand: 'Opel', type: 'Astra', ownerId: 'bench-owner' })
  for (;;) {
    if ((await fetch(`${url}/api/workshop/refdata/vehicles/${plates[2]}`, { headers })).ok) return
    await new Promise((r) => setTimeout(r, 20))
  }
}

/**
 * Registrations at 50 connections after a 2-second warm-up, the same for every server that registers
 * customers (the host, the naive app, the edge gateway), each signed in its own way: each 2xx is a
 * committed customer.
 */
export async function registrationThroughput(target: Target, seconds: number) {
  await load(target, 50, 2, registrations('warm'))
  return load(target, 50, seconds, registrations('load'))
}
