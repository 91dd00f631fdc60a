import { sampleCustomer } from '../shared/host/node/test-host.ts'
import { httpClient } from './http-client.ts'
import type { Target } from './sign-in.ts'

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

/**
 * Waits until the workshop consumer has worked off the backlog an earlier load left on its streams:
 * a customer registered and a job planned now must both have reached the read model (asked with the
 * target's credentials).
 */
export async function waitUntilCaughtUp({ url, headers }: Target) {
  const id = `caught-up-${Date.now()}`
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  const registered = await post('/api/customers', sampleCustomer(id))
  if (registered.status !== 201)
    throw new Error(`registering the catch-up customer answered ${registered.status}`)
  // A day the job load does not use, with the customer and vehicle it seeded.
  const date = '2029-12-31'
  const planned = await post(`/api/workshop/planning/${date}/jobs`, {
    jobId: id,
    startTime: `${date}T08:00:00Z`,
    endTime: `${date}T08:20:00Z`,
    customerId: 'bench-owner',
    licenseNumber: 'BA-01-AA',
    description: 'Catching up',
  })
  if (planned.status !== 201) throw new Error(`planning the catch-up job answered ${planned.status}`)
  const customerKnown = async () =>
    (await fetch(`${url}/api/workshop/refdata/customers/${id}`, { headers })).ok
  const jobPlanned = async () => {
    const jobs = await fetch(`${url}/api/workshop/jobs?from=${date}&to=${date}`, { headers }).then((r) =>
      r.json(),
    )
    return (jobs as { jobId: string }[]).some((job) => job.jobId === id)
  }
  while (!((await customerKnown()) && (await jobPlanned()))) await new Promise((r) => setTimeout(r, 50))
}

/**
 * Registers customers at a fixed rate and, for each, measures from the 2xx until the workshop's
 * reference data (fed by the workshop consumer group) has it, polling back to back. A registration that
 * fails (an error status, a connection reset by an overloaded host) is counted, and the first failure
 * kept, rather than ending the whole benchmark.
 */
export async function commandToEffectLatency(host: Target, perSecond: number, seconds: number) {
  const send = httpClient(host)
  const latencies: number[] = []
  const failures: string[] = []
  const pending: Promise<void>[] = []
  const total = perSecond * seconds
  const started = performance.now()
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / perSecond
    const wait = due - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    pending.push(
      (async () => {
        const id = `effect-${i}`
        const status = await send('POST', '/api/customers', JSON.stringify(sampleCustomer(id)))
        if (status !== 201) throw new Error(`registration answered ${status}`)
        const acknowledged = performance.now()
        // Until the consumer has applied it; refused credentials would never end the wait.
        for (let status = 0; status !== 200;) {
          status = await send('GET', `/api/workshop/refdata/customers/${id}`)
          if (status === 401 || status === 403) throw new Error(`reading the read model answered ${status}`)
        }
        latencies.push(performance.now() - acknowledged)
      })().catch((error: Error) => void failures.push(error.message)),
    )
  }
  await Promise.all(pending)
  const sorted = latencies.sort((a, b) => a - b)
  return {
    commands: total,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    failed: failures.length,
    firstFailure: failures[0],
  }
}
