import { jobPlans, seedWorkshop } from './commands.ts'
import { commandToEffectLatency, percentile } from './effect-latency.ts'
import { httpClient } from './http-client.ts'
import { startFlags, withServer, type BenchRun } from './node-host.ts'
import { MANAGER, signIn, type Target } from './sign-in.ts'

const part = 'BENCH-PADS'

async function postJson<T>({ url, headers }: Target, path: string, body: unknown, expected: number) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (response.status !== expected)
    throw new Error(`POST ${path} answered ${response.status}: ${await response.text()}`)
  return (await response.json()) as T
}

/**
 * One repair per proposal (a repair awaits one answer at a time): a job planned for each, and a repair
 * started on it once the repairs service has the job from the workshop's stream.
 */
async function startRepairs(mechanic: Target, count: number): Promise<string[]> {
  const plan = jobPlans()
  const repairs: string[] = []
  for (let i = 0; i < count; i++) {
    const { path, body } = plan()
    const { jobId } = await postJson<{ jobId: string }>(mechanic, path, JSON.parse(body!), 201)
    repairs.push(`bench-repair-${i}`)
    for (;;) {
      const response = await fetch(`${mechanic.url}/api/repairs`, {
        method: 'POST',
        headers: { ...mechanic.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ repairId: repairs[i], jobId }),
      })
      if (response.status === 201) break
      if (response.status !== 422) throw new Error(`starting a repair answered ${response.status}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }
  return repairs
}

/**
 * Proposals at a steady rate, each on a repair of its own and reserving one part, and for each the time
 * from its 202 until the repair shows the customer's approval requested: the ExtraWorkProposed event
 * through the repairs stream to the parts group, its PartsReserved through the parts stream back to
 * the repairs group, which prices it. Polled back to back, as (c) polls the read model.
 */
async function proposalToApprovalRequested(mechanic: Target, repairs: string[], perSecond: number) {
  const send = httpClient(mechanic)
  const latencies: number[] = []
  const failures: string[] = []
  const started = performance.now()
  const proposal = JSON.stringify({
    description: 'Brake pads worn',
    labourHours: 1,
    parts: [{ partNumber: part, quantity: 1 }],
  })
  const pending = repairs.map(async (repairId, i) => {
    const wait = started + (i * 1000) / perSecond - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    try {
      const status = await send('POST', `/api/repairs/${repairId}/proposals`, proposal)
      if (status !== 202) throw new Error(`proposing answered ${status}`)
      const accepted = performance.now()
      while (!(await awaitsApproval(mechanic, repairId)))
        if (performance.now() - accepted > 10_000) throw new Error(`${repairId} awaited its price for 10 s`)
      latencies.push(performance.now() - accepted)
    } catch (error) {
      failures.push((error as Error).message)
    }
  })
  await Promise.all(pending)
  const sorted = latencies.sort((a, b) => a - b)
  return {
    proposals: repairs.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    failed: failures.length,
    firstFailure: failures[0],
  }
}

/** Whether the repair awaits the customer's approval; a proposal that failed (no stock) ends the wait. */
async function awaitsApproval({ url, headers }: Target, repairId: string): Promise<boolean> {
  const response = await fetch(`${url}/api/repairs/${repairId}`, { headers })
  if (response.status !== 200) throw new Error(`reading the repair answered ${response.status}`)
  const { status, proposals } = (await response.json()) as {
    status: string
    proposals: { status: string }[]
  }
  if (proposals.at(-1)?.status === 'failed') throw new Error(`the proposal on ${repairId} failed`)
  return status === 'awaiting-approval'
}

/**
 * (h) The saga's first round trip on the Node host (FULL sync): proposal → approval requested at
 * `perSecond` for the run's seconds, beside a one-hop baseline measured on the same host at the same
 * rate (a registration until the workshop's read model has it).
 */
export function sagaLatency(run: BenchRun, perSecond = 20) {
  const host = {
    name: 'host-saga',
    script: 'shared/host/node/main.ts',
    env: { LOG_LEVEL: 'warn' },
    nodeFlags: startFlags(),
  }
  return withServer(run, host, async ({ url }) => {
    const mechanic = await signIn(url)
    const manager = await signIn(url, fetch, MANAGER)
    await seedWorkshop(mechanic)
    await postJson(manager, '/api/parts', { partNumber: part, name: 'Brake pads', unitPrice: '39.95' }, 201)
    const repairs = await startRepairs(mechanic, perSecond * run.seconds)
    // One part per proposal: a lot for each 10,000 (a lot holds at most that many).
    for (let left = repairs.length; left > 0; left -= 10_000)
      await postJson(manager, `/api/parts/${part}/lots`, { quantity: Math.min(left, 10_000) }, 201)
    const saga = await proposalToApprovalRequested(mechanic, repairs, perSecond)
    const oneHop = await commandToEffectLatency(mechanic, perSecond, run.seconds)
    return { saga, oneHop, perSecond }
  })
}
