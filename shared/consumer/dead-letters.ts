import type { Bus, StreamEntry } from '../bus/bus.ts'
import type { ConsumerGroup } from './consumer-group.ts'
import type { Logger } from '../logger.ts'

/** Moves the entry to the stream's dead letters with the error, acknowledging it in the same step. */
export async function sendToDeadLetters(
  { bus, group, logger }: { bus: Bus; group: string; logger: Logger },
  stream: string,
  entry: StreamEntry,
  error: unknown,
  deliveries: number,
): Promise<void> {
  const message = error instanceof Error ? error.message : String(error)
  logger.error({ stream, entryId: entry.id, error: message, deliveries }, 'event dead-lettered')
  await bus.deadLetter(stream, { group, entry, error: message, deliveries })
}

/** The dead letters of `group` on each of `streams`, oldest first (fields: error, deliveries, entryId, ...). */
export async function deadLettersOf(
  bus: Bus,
  group: string,
  streams: string[],
): Promise<{ stream: string; letter: StreamEntry }[]> {
  const found: { stream: string; letter: StreamEntry }[] = []
  for (const stream of streams) {
    let after: string | undefined
    for (;;) {
      const page = await bus.readDeadLetters(stream, 1000, after)
      for (const letter of page) if (letter.fields.group === group) found.push({ stream, letter })
      if (page.length < 1000) break
      after = page.at(-1)!.id
    }
  }
  return found
}

/** A dead letter as an operator reads it: which group gave up on which event, and why. */
export interface DeadLetterView {
  group: string
  stream: string
  entryId: string
  type?: string
  deliveries?: number
  error?: string
  /** Set when the event was trimmed from its stream before the group could read it. */
  trimmed?: string
}

/** What an operator does with a service's dead letters, over all its consumer groups. */
export interface DeadLetterDesk {
  /** The names of the service's consumer groups. */
  groups(): string[]
  list(): Promise<DeadLetterView[]>
  /** Applies them again once their cause is fixed; those that still fail stay, and are counted. */
  redrive(): Promise<{ redriven: { group: string; applied: number }[]; remaining: number }>
}

/** The desk over the consumer groups `groups()` names when asked (the wiring makes them after the app). */
export function deadLetterDesk(groups: () => ConsumerGroup[]): DeadLetterDesk {
  const list = async () => {
    const views: DeadLetterView[] = []
    for (const group of groups())
      for (const { stream, letter } of await group.deadLetters()) {
        const { entryId, type, deliveries, error, trimmed } = letter.fields
        views.push({
          group: group.group,
          stream,
          entryId: entryId ?? letter.id,
          type,
          deliveries: deliveries === undefined ? undefined : Number(deliveries),
          error,
          trimmed,
        })
      }
    return views
  }
  return {
    groups: () => groups().map((group) => group.group),
    list,
    async redrive() {
      const redriven = []
      for (const group of groups()) redriven.push({ group: group.group, applied: await group.redrive() })
      return { redriven, remaining: (await list()).length }
    },
  }
}
