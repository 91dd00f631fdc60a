import * as v from 'valibot'
import { Timestamp } from './timestamp.ts'

export const EventId = v.pipe(v.string(), v.uuid())

/** Fields every event carries on the wire, whatever its type. */
export const Envelope = v.object({
  id: EventId,
  type: v.pipe(v.string(), v.minLength(1)),
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  stream: v.pipe(v.string(), v.minLength(1)),
  position: v.pipe(v.number(), v.integer(), v.minValue(1)),
  // Written by the clock as `toISOString()`, which is the canonical form: events already sent parse as they are.
  occurredAt: Timestamp,
  correlationId: v.pipe(v.string(), v.minLength(1)),
  causationId: v.pipe(v.string(), v.minLength(1)),
  actor: v.pipe(v.string(), v.minLength(1)),
  data: v.unknown(),
})
export type Envelope = v.InferOutput<typeof Envelope>

/** Who and what caused an event: copied from the request (or the event) that led to it. */
export type EventMetadata = Pick<Envelope, 'correlationId' | 'causationId' | 'actor'>

/**
 * Declares the contract of one event type: the envelope with a fixed `type`, `version` and `data` schema.
 *
 * @example
 * const CustomerRegistered = eventContract('CustomerRegistered', 1, CustomerData)
 */
export function eventContract<TType extends string, TVersion extends number, TData extends v.GenericSchema>(
  type: TType,
  version: TVersion,
  data: TData,
) {
  return v.object({ ...Envelope.entries, type: v.literal(type), version: v.literal(version), data })
}

/** The domain view of an event: what `decide` returns and `evolve` consumes. */
export type DomainEvent<TContract extends v.GenericSchema> =
  v.InferOutput<TContract> extends { type: infer TType; data: infer TData }
    ? { type: TType; data: TData }
    : never

/**
 * A command as a decider takes it: its `type` and the data its contract describes.
 *
 * @example
 * type PlanMaintenanceJob = Command<'PlanMaintenanceJob', typeof contracts.PlanMaintenanceJob>
 */
export type Command<TType extends string, TData extends v.GenericSchema> = {
  type: TType
  data: v.InferOutput<TData>
}
