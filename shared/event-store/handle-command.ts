import type { Clock, NewId } from '../clock.ts'
import type { Envelope, EventMetadata } from '../contracts/envelope.ts'
import type { Write } from '../db/statements.ts'
import { toEnvelopes } from '../envelope.ts'
import { RuleViolation } from '../errors.ts'
import type { Outbox } from '../outbox/outbox.ts'
import { isVersionConflict, type Aggregate, type EventStore } from './event-store.ts'

type EventsOf = Parameters<typeof toEnvelopes>[0]

export interface HandleCommandOptions<TState, TEvent extends EventsOf[number]> {
  store: EventStore
  outbox: Outbox
  aggregate: Aggregate<TState, TEvent>
  streamId: string
  /** The pure decision, given the current state; throws a RuleViolation to refuse. */
  decide: (state: TState) => TEvent[]
  metadata: EventMetadata
  clock: Clock
  newId: NewId
  /** How often to load and decide again when another writer got in first. */
  retries?: number
  /**
   * More writes for the batch that appends the decided events, given those events and the state after
   * them: claiming a key that must be unique beyond one aggregate, recording the answer to the request.
   * A constraint they break refuses the whole command (nothing is written); the database error reaches
   * the caller, which names the rule.
   */
  alsoWrite?: (events: Envelope[], state: TState) => Write[]
}

/**
 * Load → decide → append events and outbox rows in one batch. A concurrent writer makes the append
 * fail on the expected version; the command is then decided again on the new state, and after
 * `retries` such losses refused with 409 `concurrent-write`.
 */
export async function handleCommand<TState, TEvent extends EventsOf[number]>(
  options: HandleCommandOptions<TState, TEvent>,
): Promise<{ state: TState; version: number; events: Envelope[] }> {
  const { store, outbox, aggregate, streamId, retries = 5 } = options
  // The first decision is taken on the cached state. An append built on a stale one fails on the
  // expected version; a refusal, or deciding nothing, is checked against the store before it stands.
  let trustCache = true
  for (let conflicts = 0; ;) {
    const { state, version } = await store.load(streamId, aggregate, { trustCache })
    let decided: TEvent[]
    try {
      decided = options.decide(state)
    } catch (refusal) {
      if (!trustCache) throw refusal
      trustCache = false
      continue
    }
    if (decided.length === 0 && trustCache) {
      trustCache = false
      continue
    }
    if (decided.length === 0) return { state, version, events: [] }
    const next = decided.reduce(aggregate.evolve, state)
    const envelopes = toEnvelopes(decided, { ...options, stream: streamId, after: version })
    try {
      // After the append: a batch that breaks both fails on the version, and is decided again.
      const changes = store.append(streamId, version, envelopes, next)
      await outbox.commit(
        options.alsoWrite ? [...changes, ...options.alsoWrite(envelopes, next)] : changes,
        envelopes,
      )
      store.remember(streamId, next, version + decided.length)
      return { state: next, version: version + decided.length, events: envelopes }
    } catch (error) {
      if (!isVersionConflict(error)) throw error
      if (conflicts++ >= retries) {
        throw new RuleViolation('concurrent-write', `${streamId} was changed by another request; try again`)
      }
      trustCache = false
    }
  }
}
