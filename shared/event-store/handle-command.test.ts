import { asc, eq } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { decide, type PlanMaintenanceJob } from '../../workers/workshop/decider.ts'
import { workshopPlanning } from '../../workers/workshop/events.ts'
import { newUuidV7, systemClock } from '../clock.ts'
import type { Envelope } from '../contracts/index.ts'
import { isUniqueViolation, type Db } from '../db/database.ts'
import { events, kernelMeta, outbox as outboxTable } from '../db/kernel-schema.ts'
import { createOutbox } from '../outbox/outbox.ts'
import { tempDatabase } from '../testing/temp-database.ts'
import { EventStore } from './event-store.ts'
import { handleCommand } from './handle-command.ts'

const policy = { workstations: 3, timeZone: 'UTC' }
const metadata = { correlationId: 'hook-test', causationId: 'hook-test', actor: 'test' }

const plan = (date: string, jobId: string): PlanMaintenanceJob => ({
  type: 'PlanMaintenanceJob',
  data: {
    date,
    jobId,
    startTime: `${date}T09:00:00.000Z`,
    endTime: `${date}T10:00:00.000Z`,
    description: `Service ${jobId}`,
    customer: { customerId: 'c-1', name: 'Jan Jansen', telephoneNumber: '+31 6 12345678' },
    vehicle: { licenseNumber: 'AB-12-CD', brand: 'Opel', type: 'Astra' },
  },
})

/** Claims `claim:<jobId>` for every planned job: a key unique beyond one aggregate. */
const claims = (db: Db) => (envelopes: Envelope[]) =>
  envelopes
    .filter((e) => e.type === 'MaintenanceJobPlanned')
    .map((e) =>
      db.insert(kernelMeta).values({ key: `claim:${(e.data as { jobId: string }).jobId}`, value: e.stream }),
    )

async function setup() {
  const { db } = await tempDatabase('workshop')
  const outbox = createOutbox(db, () => {})
  const execute = (store: EventStore, command: PlanMaintenanceJob) =>
    handleCommand({
      store,
      outbox,
      aggregate: workshopPlanning,
      streamId: command.data.date,
      decide: (state) => decide(command, state, policy),
      metadata,
      clock: systemClock,
      newId: newUuidV7,
      alsoWrite: claims(db),
    })
  const written = async () => ({
    events: (await db.select().from(events).orderBy(asc(events.streamId), asc(events.position))).map(
      (e) => `${e.streamId}/${e.position} ${e.type}`,
    ),
    outbox: (await db.select().from(outboxTable)).length,
    claims: await db.select().from(kernelMeta).where(eq(kernelMeta.key, 'claim:j-1')),
  })
  return { db, execute, written }
}

describe('handleCommand with extra writes', () => {
  it('commits the extra writes in the batch that appends the events', async () => {
    const t = await setup()

    await t.execute(new EventStore(t.db), plan('2026-11-21', 'j-1'))

    expect(await t.written()).toEqual({
      events: ['2026-11-21/1 WorkshopPlanningCreated', '2026-11-21/2 MaintenanceJobPlanned'],
      outbox: 2,
      claims: [{ key: 'claim:j-1', value: '2026-11-21' }],
    })
  })

  it('gives the extra writes the state after the decided events, so the answer can be recorded with them', async () => {
    const t = await setup()
    const store = new EventStore(t.db)
    const states: unknown[] = []

    const { state } = await handleCommand({
      store,
      outbox: createOutbox(t.db, () => {}),
      aggregate: workshopPlanning,
      streamId: '2026-11-21',
      decide: (current) => decide(plan('2026-11-21', 'j-1'), current, policy),
      metadata,
      clock: systemClock,
      newId: newUuidV7,
      alsoWrite: (_, after) => {
        states.push(after)
        return []
      },
    })

    expect(states).toEqual([state])
    expect(state).toMatchObject({ status: 'open', jobs: [{ jobId: 'j-1', status: 'planned' }] })
  })

  it('refuses only the command whose extra writes break a constraint, even in one group commit with the other', async () => {
    const t = await setup()
    const store = new EventStore(t.db)
    // Loaded beforehand, so both decide on the cache and reach the outbox in the same turn.
    await store.load('2026-11-21', workshopPlanning)
    await store.load('2026-11-22', workshopPlanning)

    const [first, second] = await Promise.allSettled([
      t.execute(store, plan('2026-11-21', 'j-1')),
      t.execute(store, plan('2026-11-22', 'j-1')),
    ])

    expect(first.status).toBe('fulfilled')
    expect(second.status).toBe('rejected')
    expect(isUniqueViolation((second as PromiseRejectedResult).reason, 'kernel_meta.key')).toBe(true)
    expect(await t.written()).toEqual({
      events: ['2026-11-21/1 WorkshopPlanningCreated', '2026-11-21/2 MaintenanceJobPlanned'],
      outbox: 2,
      claims: [{ key: 'claim:j-1', value: '2026-11-21' }],
    })
    expect((await store.load('2026-11-22', workshopPlanning)).version).toBe(0)
  })

  it('decides again on a version conflict, even when the extra writes conflict too', async () => {
    const t = await setup()
    // Two stores that both decide on version 0 of one planning: one of them must lose on the version.
    const stores = [new EventStore(t.db), new EventStore(t.db)]
    for (const store of stores) await store.load('2026-11-21', workshopPlanning)

    const outcomes = await Promise.allSettled(stores.map((s) => t.execute(s, plan('2026-11-21', 'j-1'))))

    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    // Decided again on the winner's planning, the loser breaks the planning's own rule.
    expect(refused.map((o) => (o.reason as { rule?: string }).rule)).toEqual(['job-id-unique'])
    expect((await t.written()).events).toHaveLength(2)
  })
})
