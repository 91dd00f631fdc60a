import { commitRegistrations } from './registrations.ts'
import { count, eq } from 'drizzle-orm'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seqOf, serviceStream } from '../shared/bus/bus.ts'
import { inbox } from '../shared/db/kernel-schema.ts'
import { parseConfig } from '../shared/host/config.ts'
import { createGateway } from '../shared/host/gateway.ts'
import { startServices, type RunningService, type RunningServices } from '../shared/host/node/services.ts'
import { createLogger } from '../shared/logger.ts'
import { createOutbox } from '../shared/outbox/outbox.ts'
import { startPrivateRedis } from '../shared/testing/redis.ts'
import { sampleCustomer } from '../shared/host/node/test-host.ts'
import { refCustomers } from '../workers/workshop/schema.ts'
import { settlesWithin } from '../shared/settles-within.ts'
import { signIn } from './sign-in.ts'

export interface RecoveryResult {
  /** Events published and applied before the flush. */
  history: number
  /** Milliseconds from the 2xx of a registration to its row in the workshop read model, no flush (median). */
  baselineMs: number
  /** The same after a FLUSHALL of Redis, one figure per round. */
  recoveryMs: number[]
  /** Their median. */
  medianMs: number
  /** Entries the customers stream held once the first round's event was applied: what went out again. */
  republished: number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** Polls `done` every `everyMs` until it holds; throws naming `what` after `timeoutMs`. */
async function waitFor(what: string, timeoutMs: number, done: () => Promise<boolean>, everyMs = 1) {
  const deadline = performance.now() + timeoutMs
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error(`${what}: not done within ${timeoutMs / 1000} s`)
    await sleep(everyMs)
  }
}

/**
 * Recovery from a lost Redis. The Node host's services run in this process (`startServices`, as
 * `npm start` runs them) on fresh databases and a private redis-server, which may be flushed.
 * `history` CustomerRegistered events are committed to the customers outbox in big batches while they
 * run: the relay publishes them and the workshop consumer group applies them.
 * Then, `rounds` times: FLUSHALL, register one customer through the host's gateway, signed in as a
 * client signs in (the auth service runs beside the others), and time from its 2xx until the workshop
 * read model (`ref_customers`) has it. The baseline is the same measure without a flush, on the same
 * services and history.
 */
export async function recoveryAfterFlush(history: number, rounds = 3): Promise<RecoveryResult> {
  const redis = await startPrivateRedis()
  const dir = await mkdtemp(join(tmpdir(), 'pitstop-bench-recovery-'))
  const prefix = 'bench-recovery'
  let running: RunningServices | undefined
  try {
    const config = parseConfig({
      DATA_DIR: dir,
      REDIS_URL: redis.url,
      STREAM_PREFIX: prefix,
      SERVICES: 'auth,customers,vehicles,workshop',
    })
    // Errors only: the relay and the consumers warn, as they should, each time Redis is flushed.
    running = await startServices(config, createLogger('error'))
    // Requests go through the host's gateway, as `npm start` serves them, as the demo mechanic signed in.
    const host = createGateway(running).fetch
    const mechanic = await signIn('http://bench', (request) => host(request))
    const service = (name: string) => running!.services.find((s) => s.name === name)!
    const customers = service('customers')
    const workshop = service('workshop')

    // Committed while the relay and the consumers run, so every event goes through the stream.
    await commitHistory(customers, history)
    const applied = async () => {
      const [row] = await workshop.database.db
        .select({ n: count() })
        .from(inbox)
        .where(eq(inbox.consumerGroup, 'workshop'))
      return row!.n >= history
    }
    await waitFor(`applying ${history} events of history`, 30_000 + history, applied, 50)

    let registered = 0
    const registerAndTime = async () => {
      const id = `recovery-${history}-${++registered}`
      const response = await host(
        new Request(`${mechanic.url}/api/customers`, {
          method: 'POST',
          headers: { ...mechanic.headers, 'content-type': 'application/json' },
          body: JSON.stringify(sampleCustomer(id)),
        }),
      )
      if (response.status !== 201) throw new Error(`registering ${id} answered ${response.status}`)
      const acknowledged = performance.now()
      const known = async () =>
        (
          await workshop.database.db
            .select({ id: refCustomers.customerId })
            .from(refCustomers)
            .where(eq(refCustomers.customerId, id))
        ).length > 0
      await waitFor(`applying ${id}`, 30_000, known)
      return performance.now() - acknowledged
    }

    const baseline: number[] = []
    for (let i = 0; i < 20; i++) baseline.push(await registerAndTime())

    const recoveryMs: number[] = []
    let republished = 0
    for (let round = 0; round < rounds; round++) {
      // Let relay and consumers settle (a backstop pass, acknowledgements, a blocking read) before the next loss.
      await sleep(1_200)
      await redis.flushAll()
      recoveryMs.push(await registerAndTime())
      if (round === 0) republished = await streamLength(running, serviceStream(prefix, 'customers'))
    }
    return { history, baselineMs: median(baseline), recoveryMs, medianMs: median(recoveryMs), republished }
  } finally {
    // Bounded: a stop that hangs on a broken Redis is abandoned once the server is gone.
    if (running && !(await settlesWithin(running.stop(), 15_000))) {
      await redis.stop()
      await settlesWithin(running.stop(), 5_000)
    }
    await redis.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * Commits `events` CustomerRegistered events to the customers outbox, 1,000 per transaction, kicking
 * its relay after each as the service's own outbox does.
 */
async function commitHistory(customers: RunningService, events: number) {
  const outbox = createOutbox(customers.database.db, () => customers.relay.kick())
  await commitRegistrations(outbox, 'history', events, 1000)
}

async function streamLength(running: RunningServices, stream: string): Promise<number> {
  const [last] = await running.bus.readBack(stream, 1)
  const [first] = await running.bus.range(stream, 0, Number.MAX_SAFE_INTEGER, 1)
  return last && first ? seqOf(last.id) - seqOf(first.id) + 1 : 0
}
