import { expect, vi } from 'vitest'
import { sampleCustomer, sampleVehicle } from '../shared/host/node/test-host.ts'
import { openStream, type Received } from '../workers/notifications/testing.ts'

const minute = 60_000

export interface LiveApproval {
  repairId: string
  proposalId: string
  /** The day the approval was asked for, by the manual clock (`YYYY-MM-DD`, UTC). */
  askedOn: string
  /** Staff tokens, signed in after the last move of the clock. */
  tokens: { manager: string; support: string }
}

/**
 * An approval asked for and given as it happens, on a system whose clock is manual (`CLOCK=manual`):
 * the customer's open stream receives the request with its price, the customer reads it 10 minutes
 * later and approves it through their personal link 30 minutes after it was asked; the mechanic's open
 * stream receives the answer at once; the customer's stream, closed meanwhile and reopened with
 * `Last-Event-ID`, gets what it missed and nothing twice; another customer's stream sees none of it.
 * `names` keeps its customer, vehicle and part apart from anything else the system holds.
 */
export async function theLiveApproval(
  url: string,
  names = { customer: 'lena', other: 'otto', licenseNumber: 'LV-01-AP', part: 'LV-PAD' },
  waitFor = { timeout: 15_000, interval: 50 },
): Promise<LiveApproval> {
  const call = async (token: string, method: string, path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  const json = async <T>(response: Response | Promise<Response>, status = 200): Promise<T> => {
    const answered = await response
    const body = await answered.text()
    expect(answered.status, body).toBe(status)
    return JSON.parse(body) as T
  }
  const signIn = async (role: 'mechanic' | 'manager' | 'support') =>
    (
      await json<{ token: string }>(
        fetch(`${url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: `${role}@pitstop.local`, password: 'pitstop' }),
        }),
      )
    ).token
  let manager = await signIn('manager')
  const mechanic = await signIn('mechanic')
  const now = async () => (await json<{ now: string }>(call(manager, 'GET', '/api/clock'))).now
  const advance = async (ms: number) => {
    const to = new Date(Date.parse(await now()) + ms).toISOString()
    await json(call(manager, 'POST', '/api/clock/advance', { to }))
  }

  // A customer with a car booked in tomorrow, another customer, and the part the extra work needs.
  const { customer, other, licenseNumber, part } = names
  await json(
    call(manager, 'POST', '/api/parts', { partNumber: part, name: 'Brake pads', unitPrice: '45.00' }),
    201,
  )
  await json(call(manager, 'POST', `/api/parts/${part}/lots`, { quantity: 4 }), 201)
  for (const id of [customer, other])
    await json(call(manager, 'POST', '/api/customers', sampleCustomer(id)), 201)
  await json(call(manager, 'POST', '/api/vehicles', sampleVehicle(licenseNumber, customer)), 201)
  const link = async (customerId: string) =>
    (await json<{ token: string }>(call(mechanic, 'POST', '/api/auth/customer-link', { customerId }), 201))
      .token
  const lenasLink = await link(customer)
  const ottosLink = await link(other)

  const lena = openStream(url, lenasLink)
  const mechanics = openStream(url, mechanic)
  const otto = openStream(url, ottosLink)
  try {
    await Promise.all([lena.opened, mechanics.opened, otto.opened])
    const day = new Date(Date.parse(await now()) + 24 * 60 * minute).toISOString().slice(0, 10)
    const jobId = `job-${customer}`
    await vi.waitFor(
      async () =>
        expect((await call(mechanic, 'GET', `/api/workshop/refdata/vehicles/${licenseNumber}`)).status).toBe(
          200,
        ),
      waitFor,
    )
    await json(
      call(mechanic, 'POST', `/api/workshop/planning/${day}/jobs`, {
        jobId,
        startTime: `${day}T09:00:00Z`,
        endTime: `${day}T11:00:00Z`,
        customerId: customer,
        licenseNumber,
        description: 'Brakes squeal',
      }),
      201,
    )
    await lena.until(1, waitFor.timeout)
    expect(lena.received[0]!.data).toMatchObject({ kind: 'appointment-confirmed' })

    // The mechanic starts the repair and finds more to do; the customer's open stream is asked at once.
    const repairId = `repair-${customer}`
    await vi.waitFor(async () => {
      const started = await call(mechanic, 'POST', '/api/repairs', { repairId, jobId })
      expect(started.status).toBe(201)
    }, waitFor)
    const proposalId = `proposal-${customer}`
    await json(
      call(mechanic, 'POST', `/api/repairs/${repairId}/proposals`, {
        proposalId,
        description: 'Replace the brake pads',
        labourHours: 1,
        parts: [{ partNumber: part, quantity: 2 }],
      }),
      202,
    )
    const askedOn = (await now()).slice(0, 10)
    const asked = await lena.arrival((e) => e.data.kind === 'approval-requested', waitFor.timeout)
    expect(asked.data).toMatchObject({
      repairId,
      proposalId,
      details: { price: { total: '108.50' }, approve: { path: `/api/repairs/${repairId}/approve` } },
    })
    expect(asked.data.text).toContain(`2 × ${part} at 45.00 = 90.00`)

    // Ten minutes later she reads it; twenty more and she approves it as the notification says.
    await advance(10 * minute)
    await json(call(lenasLink, 'POST', `/api/notifications/${asked.data.notificationId}/read`, {}))
    lena.close()
    await advance(20 * minute)
    const { approve } = asked.data.details as { approve: { method: string; path: string; body: unknown } }
    await json(call(lenasLink, approve.method, approve.path, approve.body))

    const answer = await mechanics.arrival((e) => e.data.repairId === repairId, waitFor.timeout)
    expect(answer.data).toMatchObject({
      kind: 'repair-approved',
      recipient: 'staff:mechanic@pitstop.local',
      repairId,
      proposalId,
    })

    // Her stream was closed when the car was done: reopened after the last event she had, it brings that.
    manager = await signIn('manager')
    await json(call(await signIn('mechanic'), 'POST', `/api/repairs/${repairId}/complete`))
    const lastSeen = lena.received.at(-1)!
    const resumed = openStream(url, lenasLink, `?lastEventId=${lastSeen.id}`)
    try {
      await resumed.until(1, waitFor.timeout)
      expect(resumed.received.map((e) => e.data.kind)).toEqual(['repair-completed'])
      expect(Number(resumed.received[0]!.id)).toBeGreaterThan(Number(lastSeen.id))
    } finally {
      resumed.close()
    }

    // Everything reached its recipients above; the other customer's stream, open all along, got none of it.
    expect(otto.received).toEqual<Received[]>([])
    return { repairId, proposalId, askedOn, tokens: { manager, support: await signIn('support') } }
  } finally {
    for (const stream of [lena, mechanics, otto]) stream.close()
  }
}
