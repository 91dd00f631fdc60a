import type { Clock, NewId } from './clock.ts'
import { events as contracts, type Envelope, type EventMetadata } from './contracts/index.ts'

type ContractType = keyof typeof contracts

/**
 * A domain event to wrap: of a type in the contracts, whose schema version the contract gives, or of a
 * type outside them (the kernel tests' own aggregate) that states its version itself. A misspelt
 * contract type is still a type error: it would need a version of its own.
 */
export type UnwrappedEvent =
  { type: ContractType; data: unknown } | { type: string; version: number; data: unknown }

/**
 * Wraps domain events (`{ type, data }`) in envelopes: ids, schema version, positions from `after + 1`.
 *
 * @example
 * const [registered] = toEnvelopes([{ type: 'CustomerRegistered', data }], { stream: id, after: 0, metadata, clock, newId })
 */
export function toEnvelopes(
  domainEvents: UnwrappedEvent[],
  options: { stream: string; after: number; metadata: EventMetadata; clock: Clock; newId: NewId },
): Envelope[] {
  const occurredAt = options.clock.now().toISOString()
  return domainEvents.map((event, index) => ({
    id: options.newId(),
    type: event.type,
    version: versionOf(event),
    stream: options.stream,
    position: options.after + index + 1,
    occurredAt,
    ...options.metadata,
    data: event.data,
  }))
}

/** The contract's version for a contract type, whatever the event says; otherwise the event's own. */
const versionOf = (event: UnwrappedEvent): number =>
  Object.hasOwn(contracts, event.type)
    ? contracts[event.type as ContractType].entries.version.literal
    : (event as { version: number }).version
