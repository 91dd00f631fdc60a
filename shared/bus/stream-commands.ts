import { deadLetterStream, type Bus, type StreamEntry } from './bus.ts'

/** Sends one Redis command and resolves with its raw (RESP2-shaped) reply. */
export type SendCommand = <T>(...command: [string, ...(string | number)[]]) => Promise<T>

type RawEntry = [id: string, fields: string[] | null]

function toEntry([id, fields]: RawEntry): StreamEntry {
  const record: Record<string, string> = {}
  for (let i = 0; fields && i < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!
  return { id, fields: record }
}

const seqOf = (id: string) => Number(id.slice(0, id.indexOf('-')))

/**
 * The bus operations that are plain Redis commands, over whatever sends them: each adapter adds only
 * what differs between transports (running the append script, closing). `blocking: false` drops
 * `blockMs` for transports that must not hold a request open (REST).
 *
 * @example
 * const bus: Bus = { ...streamCommands(send, { blocking: true }), appendAfter, close }
 */
export function streamCommands(
  call: SendCommand,
  { blocking }: { blocking: boolean },
): Omit<Bus, 'appendAfter' | 'close'> {
  return {
    async lastSeq(stream) {
      const top = await call<RawEntry[]>('XREVRANGE', stream, '+', '-', 'COUNT', 1)
      return top.length === 0 ? 0 : seqOf(top[0]![0])
    },
    async ensureGroup(stream, group) {
      try {
        await call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
      } catch (error) {
        if (!String(error).includes('BUSYGROUP')) throw error
      }
    },
    async readGroup({ group, consumer, streams, from, count, blockMs }) {
      const block = blocking && blockMs !== undefined ? ['BLOCK', blockMs] : []
      const reply = await call<[string, RawEntry[]][] | null>(
        'XREADGROUP',
        ...['GROUP', group, consumer, 'COUNT', count, ...block, 'STREAMS', ...streams],
        ...streams.map(() => from),
      )
      return (reply ?? []).map(([stream, entries]) => ({ stream, entries: entries.map(toEntry) }))
    },
    async claimIdle(stream, group, consumer, minIdleMs, count) {
      const claimed: StreamEntry[] = []
      let cursor = '0-0'
      do {
        const [next, entries] = await call<[string, RawEntry[]]>(
          ...(['XAUTOCLAIM', stream, group, consumer, minIdleMs, cursor, 'COUNT', count] as const),
        )
        // Entries deleted from the stream while pending come back without fields.
        claimed.push(...entries.filter(([, fields]) => fields !== null).map(toEntry))
        cursor = next
      } while (cursor !== '0-0' && claimed.length < count)
      return claimed
    },
    async deliveries(stream, group, entryId) {
      const pending = await call<[string, string, number, number][]>(
        'XPENDING',
        stream,
        group,
        entryId,
        entryId,
        1,
      )
      return pending[0]?.[3] ?? 0
    },
    async ack(stream, group, entryIds) {
      if (entryIds.length > 0) await call('XACK', stream, group, ...entryIds)
    },
    async deadLetter(stream, { group, entry, error, deliveries }) {
      await call(
        'XADD',
        deadLetterStream(stream),
        '*',
        ...[
          'group',
          group,
          'stream',
          stream,
          'entryId',
          entry.id,
          'deliveries',
          String(deliveries),
          'error',
          error,
        ],
        ...Object.entries(entry.fields).flat(),
      )
    },
    async readDeadLetters(stream, count) {
      return (await call<RawEntry[]>('XRANGE', deadLetterStream(stream), '-', '+', 'COUNT', count)).map(
        toEntry,
      )
    },
    async deleteDeadLetters(stream, entryIds) {
      if (entryIds.length > 0) await call('XDEL', deadLetterStream(stream), ...entryIds)
    },
    async ping() {
      await call('PING')
    },
  }
}
