import { expect, vi } from 'vitest'
import { sampleCustomer, sampleVehicle } from '../shared/host/node/test-host.ts'

interface Stock {
  onHand: number
  reserved: number
  available: number
}
interface Proposal {
  proposalId: string
  status: string
  price?: { labour: { amount: string }; parts: { amount: string; unitPrice: string }[]; total: string }
  shortages?: { partNumber: string; requested: number; available: number }[]
}
interface Repair {
  repairId: string
  status: string
  startedAt: string
  completedAt?: string
  proposals: Proposal[]
  timeline: { type: string }[]
}
interface Job {
  status: string
  actualStartTime?: string
  actualEndTime?: string
}

const hour = 3_600_000
const day = '2026-12-14'
const part = 'BP-1044'

/**
 * The repair saga end to end, on a system whose clock is manual (`CLOCK=manual`): a mechanic starts
 * repairs and proposes extra work, the parts service reserves from stock, the customer approves or
 * rejects through their personal link, or lets the approval expire; stock is committed or released,
 * the repair completes and the workshop finishes the job. Stock levels are checked after each step.
 * Every role signs in as it would (a manual clock moved on by a day ends staff sessions).
 */
export async function theRepairSaga(url: string, waitFor = { timeout: 15_000, interval: 50 }) {
  const call = async (token: string, method: string, path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  const signIn = async (role: 'mechanic' | 'manager') => {
    const response = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `${role}@pitstop.local`, password: 'pitstop' }),
    })
    expect(response.status).toBe(200)
    return ((await response.json()) as { token: string }).token
  }
  let manager = await signIn('manager')
  let mechanic = await signIn('mechanic')
  const json = async <T>(response: Response | Promise<Response>, status = 200): Promise<T> => {
    const answered = await response
    const body = await answered.text()
    expect(answered.status, body).toBe(status)
    return JSON.parse(body) as T
  }

  const stock = async () => {
    const { onHand, reserved, available } = await json<Stock>(call(manager, 'GET', `/api/parts/${part}`))
    return { onHand, reserved, available }
  }
  const stockBecomes = (expected: Stock) =>
    vi.waitFor(async () => expect(await stock()).toEqual(expected), waitFor)
  const repair = (repairId: string, token = mechanic) =>
    json<Repair>(call(token, 'GET', `/api/repairs/${repairId}`))
  const proposalBecomes = async (repairId: string, status: string) =>
    vi.waitFor(async () => {
      const proposal = (await repair(repairId)).proposals.at(-1)!
      expect(proposal.status).toBe(status)
      return proposal
    }, waitFor)
  const advance = async (ms: number) => {
    const { now } = await json<{ now: string }>(call(manager, 'GET', '/api/clock'))
    await json(
      call(manager, 'POST', '/api/clock/advance', { to: new Date(Date.parse(now) + ms).toISOString() }),
    )
    manager = await signIn('manager')
    mechanic = await signIn('mechanic')
  }
  const jobOf = (jobId: string) =>
    json<Job>(call(mechanic, 'GET', `/api/workshop/planning/${day}/jobs/${jobId}`))
  const completeAndSeeJobFinished = async (repairId: string, jobId: string) => {
    await advance(hour)
    const completed = await json<Repair>(call(mechanic, 'POST', `/api/repairs/${repairId}/complete`))
    expect(completed.status).toBe('completed')
    await vi.waitFor(
      async () =>
        expect(await jobOf(jobId)).toMatchObject({
          status: 'finished',
          actualStartTime: completed.startedAt,
          actualEndTime: completed.completedAt,
        }),
      waitFor,
    )
  }

  // The catalogue, stock in two lots, and a customer with a vehicle and four jobs planned for it.
  await json(
    call(manager, 'POST', '/api/parts', { partNumber: part, name: 'Brake pads', unitPrice: '45.00' }),
    201,
  )
  await json(call(manager, 'POST', `/api/parts/${part}/lots`, { quantity: 4 }), 201)
  await json(call(manager, 'POST', `/api/parts/${part}/lots`, { quantity: 6 }), 201)
  expect(await stock()).toEqual({ onHand: 10, reserved: 0, available: 10 })

  await json(call(manager, 'POST', '/api/customers', sampleCustomer('rosa')), 201)
  await json(call(manager, 'POST', '/api/vehicles', sampleVehicle('rs-10-aa', 'rosa')), 201)
  await vi.waitFor(
    async () =>
      expect((await call(mechanic, 'GET', '/api/workshop/refdata/vehicles/RS-10-AA')).status).toBe(200),
    waitFor,
  )
  const jobs = ['approve', 'reject', 'expire', 'short']
  for (const [i, name] of jobs.entries())
    await json(
      call(mechanic, 'POST', `/api/workshop/planning/${day}/jobs`, {
        jobId: `job-${name}`,
        startTime: `${day}T${String(8 + i).padStart(2, '0')}:00:00Z`,
        endTime: `${day}T${String(9 + i).padStart(2, '0')}:00:00Z`,
        customerId: 'rosa',
        licenseNumber: 'RS-10-AA',
        description: `Brakes squeal (${name})`,
      }),
      201,
    )
  const link = await json<{ token: string }>(
    call(mechanic, 'POST', '/api/auth/customer-link', { customerId: 'rosa' }),
    201,
  )
  const customer = link.token

  const start = async (name: string) => {
    // The repairs service learns of a job from the workshop's stream, a moment after it was planned.
    const started = await vi.waitFor(async () => {
      const response = await call(mechanic, 'POST', '/api/repairs', {
        repairId: `repair-${name}`,
        jobId: `job-${name}`,
      })
      expect(response.status).toBe(201)
      return (await response.json()) as Repair
    }, waitFor)
    expect(started.status).toBe('in-progress')
    return started.repairId
  }
  const propose = async (repairId: string, quantity: number) =>
    json(
      call(mechanic, 'POST', `/api/repairs/${repairId}/proposals`, {
        description: 'Front brake pads are worn through',
        labourHours: 1.5,
        parts: [{ partNumber: part, quantity }],
      }),
      202,
    )

  // Approved: 3 reserved from the oldest lot, priced, then committed (the stock leaves).
  const approved = await start('approve')
  await propose(approved, 3)
  const priced = await proposalBecomes(approved, 'awaiting-approval')
  expect(priced.price).toEqual({
    labour: { hours: 1.5, hourlyRate: '18.50', amount: '27.75' },
    parts: [{ partNumber: part, quantity: 3, unitPrice: '45.00', amount: '135.00' }],
    total: '162.75',
  })
  await stockBecomes({ onHand: 10, reserved: 3, available: 7 })
  await json(call(customer, 'POST', `/api/repairs/${approved}/approve`, { proposalId: priced.proposalId }))
  await stockBecomes({ onHand: 7, reserved: 0, available: 7 })
  await completeAndSeeJobFinished(approved, 'job-approve')

  // Rejected: 2 reserved, then released to the lots they came from.
  const rejected = await start('reject')
  await propose(rejected, 2)
  const { proposalId: turnedDown } = await proposalBecomes(rejected, 'awaiting-approval')
  await stockBecomes({ onHand: 7, reserved: 2, available: 5 })
  await json(
    call(customer, 'POST', `/api/repairs/${rejected}/reject`, {
      proposalId: turnedDown,
      reason: 'Too expensive',
    }),
  )
  await stockBecomes({ onHand: 7, reserved: 0, available: 7 })
  await completeAndSeeJobFinished(rejected, 'job-reject')

  // Never answered: a day later the approval expires, once, and the 5 reserved are released.
  const expired = await start('expire')
  await propose(expired, 5)
  const { proposalId: unanswered } = await proposalBecomes(expired, 'awaiting-approval')
  await stockBecomes({ onHand: 7, reserved: 5, available: 2 })
  await advance(25 * hour)
  await proposalBecomes(expired, 'expired')
  await stockBecomes({ onHand: 7, reserved: 0, available: 7 })
  const late = await call(customer, 'POST', `/api/repairs/${expired}/approve`, { proposalId: unanswered })
  expect(late.status).toBe(409)
  const timeline = (await repair(expired, customer)).timeline.map((event) => event.type)
  expect(timeline.filter((type) => type === 'ApprovalExpired')).toHaveLength(1)
  await completeAndSeeJobFinished(expired, 'job-expire')

  // More than is available: the proposal fails, naming the short line, and the stock is untouched.
  const short = await start('short')
  await propose(short, 8)
  const failed = await proposalBecomes(short, 'failed')
  expect(failed.shortages).toEqual([{ partNumber: part, requested: 8, available: 7 }])
  expect(await stock()).toEqual({ onHand: 7, reserved: 0, available: 7 })
  await completeAndSeeJobFinished(short, 'job-short')
}
