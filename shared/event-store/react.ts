import type { Envelope } from '../contracts/envelope.ts'
import type { Write } from '../db/statements.ts'
import { toEnvelopes } from '../envelope.ts'
import type { HandleCommandOptions } from './handle-command.ts'

type EventsOf = Parameters<typeof toEnvelopes>[0]

/**
 * What `handleCommand` takes, but for the metadata, which comes from the event answered, and retries,
 * which the consumer group makes (it applies an event that lost to another writer again). Deciding
 * nothing (an event that needs no answer) writes nothing.
 */
export type ReactOptions<TState, TEvent extends EventsOf[number]> = Omit<
  HandleCommandOptions<TState, TEvent>,
  'metadata' | 'retries'
> & {
  /** Who answers: the service, as its events' `actor` (the clock's events say `clock`). */
  actor: string
}

/**
 * What an aggregate decides in answer to an event from another service, as writes for the consumer
 * group's batch that applies that event: the decided events appended with the expected version, and
 * their outbox rows. So the answer, the inbox row and the outbox rows commit together or not at all,
 * and a redelivered event, found in the inbox, is answered once. The answer carries the event's
 * correlation id, and the event's id as its cause.
 *
 * A writer that got in first (another consumer of the group, a command) fails the batch on the expected
 * version; the group applies the event again, alone, deciding on the state as it is then.
 *
 * @example
 * handle: (event) => reactTo(event, { store, outbox, aggregate: reservation, streamId, decide, actor: 'parts', clock, newId })
 */
export async function reactTo<TState, TEvent extends EventsOf[number]>(
  cause: Envelope,
  options: ReactOptions<TState, TEvent>,
): Promise<Write[]> {
  const { store, outbox, aggregate, streamId } = options
  const { state, version } = await store.load(streamId, aggregate)
  const decided = options.decide(state)
  if (decided.length === 0) return []
  const next = decided.reduce(aggregate.evolve, state)
  const metadata = { correlationId: cause.correlationId, causationId: cause.id, actor: options.actor }
  const envelopes = toEnvelopes(decided, { ...options, stream: streamId, after: version, metadata })
  return [
    ...store.append(streamId, version, envelopes, next),
    ...(options.alsoWrite?.(envelopes, next) ?? []),
    ...outbox.stage(envelopes),
  ]
}
