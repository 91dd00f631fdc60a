import type { Clock, NewId } from './clock.ts'
import { events as contracts, type Envelope, type EventMetadata } from './contracts/index.ts'

type EventType = keyof typeof contracts

/**
 * Wraps domain events (`{ type, data }`) in envelopes: ids, schema version, positions from `after + 1`.
 *
 * @example
 * const [registered] = toEnvelopes([{ type: 'CustomerRegistered', data }], { stream: id, after: 0, metadata, clock, newId })
 */
export function toEnvelopes(
  domainEvents: { type: EventType; data: unknown }[],
  options: { stream: string; after: number; metadata: EventMetadata; clock: Clock; newId: NewId },
): Envelope[] {
  const occurredAt = options.clock.now().toISOString()
  return domainEvents.map((event, index) => ({
    id: options.newId(),
    type: event.type,
    version: contracts[event.type].entries.version.literal,
    stream: options.stream,
    position: options.after + index + 1,
    occurredAt,
    ...options.metadata,
    data: event.data,
  }))
}
