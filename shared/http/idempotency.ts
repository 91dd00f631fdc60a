import { eq, sql } from 'drizzle-orm'
import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { createHash } from 'node:crypto'
import type { Clock } from '../clock.ts'
import { isConstraintViolation, type Db } from '../db/database.ts'
import { kernelRequests } from '../db/kernel-schema.ts'
import { compileInsert, placeholders, type Write } from '../db/statements.ts'
import { InvalidInput, RuleViolation } from '../errors.ts'
import type { AppEnv } from './app-env.ts'

/** A successful answer, as it is sent the first time and recorded for any repeat. */
export interface Answer {
  status: ContentfulStatusCode
  body: unknown
  location?: string
}

export interface Command {
  /** The command's name (`register-customer`): the keys of two commands never meet. */
  operation: string
  /** The validated, normalised command, route parameters included: requests are the same when these are. */
  command: unknown
  /**
   * The client's id of what the command creates or changes. Only for a command that happens once per id
   * (a create, a one-way transition such as finishing a job); without one, the `Idempotency-Key` header
   * is the key, and without that nothing is recorded.
   */
  id?: string
}

/** Writes recording `answer` as the first answer; they go into the batch of the change, after its own writes. */
export type RecordAnswer = (answer: Answer) => Write[]

/**
 * What a change resolves with once it has committed. An event-sourced change resolves with
 * `handleCommand`'s outcome: without events it decided nothing and committed nothing.
 */
export type Committed = void | { events: readonly unknown[] }

// A client's key, bare (`Idempotency-Key: 4f1c…`) or as the structured-field string the IETF draft uses.
const keyPattern = /^(?:"([\w.:-]{1,128})"|([\w.:-]{1,128}))$/

/**
 * One retry convention for every create and state change: a request with a key (see `Command.id`) is
 * answered once, by the change; an exact repeat gets that first answer again (status, body and
 * `Location`, plus `Idempotent-Replayed: true`) and changes nothing; another request under the same id
 * gets the refusal the change met (e.g. 409 `customer-id-taken`), under the same `Idempotency-Key` 409
 * `idempotency-key-reused`. A malformed `Idempotency-Key` is 400.
 *
 * The answer is recorded by the change's own batch, after its other writes, so a 2xx and its record
 * commit together. Nothing is read before the change: a repeat is told by the change failing (the
 * service's constraint on the id, the record's primary key, or a refusal of its rules, e.g. "already
 * finished"), and only then is the record read. Concurrent repeats are thus answered from the record of
 * the one that committed. Only 2xx answers are recorded: a refused request may be tried again.
 * Records are keyed `<operation> id <id>` or `<operation> key <Idempotency-Key> by <actor>`.
 *
 * An event-sourced change may record an answer on every attempt (`handleCommand` decides again after
 * losing on the version); only the answer of the attempt that committed is sent. A change that commits
 * nothing (decides no events) has no answer: that is an error, as is a change that never records one.
 *
 * @example
 * const once = answerOnce(db, clock)
 * app.post('/api/customers', validate('json', RegisterCustomerBody), (c) => {
 *   const body = c.req.valid('json')
 *   const customer = { ...body, customerId: body.customerId ?? newId() }
 *   return once(c, { operation: 'register-customer', command: body, id: body.customerId }, (record) =>
 *     outbox.commit([insert([customer]), ...record({ status: 201, body: customer })], registered),
 *   )
 * })
 */
export function answerOnce(db: Db, clock: Clock) {
  // Compiled once: creates are hot paths.
  const insert = compileInsert<typeof kernelRequests.$inferInsert>(
    db.insert(kernelRequests).values(placeholders(kernelRequests)),
  )
  const recorded = db
    .select()
    .from(kernelRequests)
    .where(eq(kernelRequests.key, sql.placeholder('key')))
    .prepare()

  return async function once(
    c: Context<AppEnv>,
    { operation, command, id }: Command,
    change: (record: RecordAnswer) => Promise<Committed>,
  ): Promise<Response> {
    const clientKey = id === undefined ? idempotencyKey(c) : undefined
    // The actor is in the key so that one client's Idempotency-Key never meets another's. Until sign-in
    // exists every request's actor is `anonymous` (request-context.ts): all clients share one scope, and
    // two that pick the same key get each other's answer (or 409 idempotency-key-reused).
    const key =
      id !== undefined
        ? `${operation} id ${id}`
        : clientKey && `${operation} key ${clientKey} by ${c.get('actor')}`
    const fingerprint = key ? fingerprintOf(command) : ''
    // The answer recorded by the change's latest attempt: an attempt that lost on the version recorded
    // one too, which a later attempt replaces, or leaves standing when it decides nothing.
    let sent = undefined as Sent | undefined
    let committed: Committed
    try {
      committed = await change(({ status, body, location = null }) => {
        sent = { status, body: JSON.stringify(body), location }
        if (!key) return []
        return [insert([{ key, fingerprint, ...sent, recordedAt: clock.now().toISOString() }])]
      })
    } catch (error) {
      if (!key || !(error instanceof RuleViolation || isConstraintViolation(error))) throw error
      const [first] = await recorded.all({ key })
      if (!first) throw error
      if (first.fingerprint !== fingerprint) throw clientKey ? keyReused(clientKey) : error
      return respond(c, first as Sent, { 'idempotent-replayed': 'true' })
    }
    if (committed?.events.length === 0) throw new Error(`${operation} decided nothing, so it has no answer`)
    if (!sent) throw new Error(`${operation} committed without recording its answer`)
    return respond(c, sent)
  }
}

interface Sent {
  status: ContentfulStatusCode
  body: string
  location: string | null
}

function respond(c: Context, { status, body, location }: Sent, headers: { [name: string]: string } = {}) {
  return c.newResponse(body, status, {
    'content-type': 'application/json',
    ...(location !== null && { location }),
    ...headers,
  })
}

function idempotencyKey(c: Context): string | undefined {
  const header = c.req.header('idempotency-key')
  if (header === undefined) return undefined
  const match = keyPattern.exec(header)
  if (!match) {
    throw new InvalidInput([
      {
        field: '/header/idempotency-key',
        message: 'must be 1 to 128 letters, digits or _ . : - (optionally in double quotes)',
      },
    ])
  }
  return match[1] ?? match[2]
}

const keyReused = (key: string) =>
  new RuleViolation(
    'idempotency-key-reused',
    `Idempotency-Key ${key} was used before for another request; use a new key for a new request`,
  )

/**
 * A hash of the command as JSON. A validated command has its keys in its schema's order, whatever order
 * the client wrote them in, and its values normalised (trimmed, upper-cased) as the contract says.
 */
function fingerprintOf(command: unknown): string {
  return createHash('sha256').update(JSON.stringify(command)).digest('base64url')
}
