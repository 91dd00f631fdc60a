import type { Bus, StreamEntry } from '../bus/bus.ts'
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
