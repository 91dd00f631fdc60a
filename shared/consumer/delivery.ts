import * as v from 'valibot'
import type { StreamEntry } from '../bus/bus.ts'
import { Envelope, events as contracts } from '../contracts/index.ts'

/** A stream entry (or an outbox row read as one) with the event it carries. */
export interface Delivery {
  stream: string
  entry: StreamEntry
  event: Envelope
  /** Not written by a relay and out of sequence (a hand-made `XADD *`): applied, but no position. */
  stray?: true
}

/** An entry whose event is not JSON or does not match its contract: it goes to the dead letters. */
class MalformedEvent extends Error {}

/** The event an entry carries, checked against the contract of its type. */
export function parseEntry(entry: StreamEntry): Envelope {
  let json: unknown
  try {
    json = JSON.parse(entry.fields.event ?? '')
  } catch {
    throw new MalformedEvent('event field is not JSON')
  }
  const type = (json as { type?: unknown } | null)?.type
  const schema =
    typeof type === 'string' && type in contracts ? contracts[type as keyof typeof contracts] : Envelope
  const result = v.safeParse(schema, json)
  if (!result.success) {
    const fields = result.issues.map((i) => `${v.getDotPath(i) ?? '(root)'}: ${i.message}`).join('; ')
    throw new MalformedEvent(`event does not match its contract: ${fields}`)
  }
  return result.output as Envelope
}

/** The entries of `deliveries` that move the group's position (all but strays). */
export const positioned = (deliveries: Delivery[]) => deliveries.filter((d) => !d.stray).map((d) => d.entry)

/** The same event twice in one read (published twice) must become one effect and one inbox row. */
export function unique(deliveries: Delivery[]): Delivery[] {
  const ids = new Set<string>()
  return deliveries.filter((d) => !ids.has(d.event.id) && ids.add(d.event.id))
}
