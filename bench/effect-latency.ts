import { sampleCustomer } from '../shared/testing/test-host.ts'

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

/** Waits until the workshop consumer has worked off the backlog an earlier load left on the customers stream. */
export async function waitUntilCaughtUp(url: string) {
  const id = `caught-up-${Date.now()}`
  await fetch(`${url}/api/customers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(sampleCustomer(id)),
  })
  while (!(await fetch(`${url}/api/workshop/refdata/customers/${id}`)).ok)
    await new Promise((r) => setTimeout(r, 50))
}

/**
 * Registers customers at a fixed rate and, for each, measures from the 2xx until the workshop's
 * reference data (fed by the workshop consumer group) has it, polling back to back.
 */
export async function commandToEffectLatency(url: string, perSecond: number, seconds: number) {
  const latencies: number[] = []
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
        const res = await fetch(`${url}/api/customers`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(sampleCustomer(id)),
        })
        await res.arrayBuffer()
        if (res.status !== 201) throw new Error(`registration answered ${res.status}`)
        const acknowledged = performance.now()
        for (;;) {
          const seen = await fetch(`${url}/api/workshop/refdata/customers/${id}`)
          await seen.arrayBuffer()
          if (seen.ok) break
        }
        latencies.push(performance.now() - acknowledged)
      })(),
    )
  }
  await Promise.all(pending)
  const sorted = latencies.sort((a, b) => a - b)
  return { commands: total, p50: percentile(sorted, 50), p99: percentile(sorted, 99) }
}
