import autocannon from 'autocannon'
import { sampleCustomer } from '../shared/host/node/test-host.ts'

export interface LoadResult {
  label: string
  perSecond: number
  p50: number
  p99: number
  non2xx: number
}

const plates = ['BA-01-AA', 'BA-02-AA', 'BA-03-AA']
const days = 500

/** The n-th job: spread over `days` dates, three workstations of 20-minute slots, never breaking a rule. */
function nthJob(n: number) {
  const date = new Date(Date.UTC(2030, 0, 1) + (n % days) * 86_400_000).toISOString().slice(0, 10)
  const k = Math.floor(n / days)
  const start = new Date(`${date}T00:00:00Z`).getTime() + Math.floor(k / 3) * 20 * 60_000
  return {
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

/** Registers the customer and vehicles the job commands refer to. */
export async function seedWorkshop(url: string) {
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  await post('/api/customers', sampleCustomer('bench-owner'))
  for (const licenseNumber of plates)
    await post('/api/vehicles', { licenseNumber, brand: 'Opel', type: 'Astra', ownerId: 'bench-owner' })
  for (;;) {
    if ((await fetch(`${url}/api/workshop/refdata/vehicles/${plates[2]}`)).ok) return
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function load(label: string, url: string, seconds: number, next: () => { path: string; body: string }) {
  const result = await autocannon({
    url,
    connections: 50,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (request: object) => ({ ...request, ...next() }) }],
  })
  return {
    label,
    perSecond: result['2xx'] / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
  }
}

/** Durable command throughput at 50 connections: every 2xx is committed with its outbox rows. */
export async function commandThroughput(url: string, seconds: number): Promise<LoadResult[]> {
  let customers = 0
  let jobs = 0
  await load('warm-up', url, 2, () => ({
    path: '/api/customers',
    body: JSON.stringify(sampleCustomer(`warm-${customers++}`)),
  }))
  return [
    await load('POST /api/customers', url, seconds, () => ({
      path: '/api/customers',
      body: JSON.stringify(sampleCustomer(`load-${customers++}`)),
    })),
    await load('POST /api/workshop/planning/{date}/jobs', url, seconds, () => nthJob(jobs++)),
  ]
}
