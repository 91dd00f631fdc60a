import { Redis } from 'ioredis'
import { APPEND_AFTER } from './append-after.lua.ts'
import { deadLetterStream, type AppendResult, type Bus, type OutboxEntry, type StreamEntry } from './bus.ts'

type RawEntry = [id: string, fields: string[] | null]

function toEntry([id, fields]: RawEntry): StreamEntry {
  const record: Record<string, string> = {}
  for (let i = 0; fields && i < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!
  return { id, fields: record }
}

const seqOf = (id: string) => Number(id.slice(0, id.indexOf('-')))

/**
 * The bus over one ioredis connection. A consumer group gets its own, because blocking reads hold it.
 *
 * @example
 * const bus = createRedisBus('redis://127.0.0.1:6379')
 */
export function createRedisBus(url: string, name = 'pitstop'): Bus {
  const redis = new Redis(url, { connectionName: name, maxRetriesPerRequest: 3, lazyConnect: false })
  redis.on('error', () => {}) // reconnects on its own; callers see failed commands
  redis.defineCommand('appendAfter', { numberOfKeys: 1, lua: APPEND_AFTER })

  return {
    async lastSeq(stream) {
      const top = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as RawEntry[]
      return top.length === 0 ? 0 : seqOf(top[0]![0])
    },
    async appendAfter(stream, expectedSeq, entries: OutboxEntry[]): Promise<AppendResult> {
      const args = entries.flatMap((e) => [String(e.seq), e.type, e.envelope])
      const result = (await (redis as any).appendAfter(stream, String(expectedSeq), ...args)) as string
      return result === 'ok' ? { ok: true } : { ok: false, lastSeq: Number(result) }
    },
    async ensureGroup(stream, group) {
      try {
        await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM')
      } catch (error) {
        if (!String(error).includes('BUSYGROUP')) throw error
      }
    },
    async readGroup({ group, consumer, streams, from, count, blockMs }) {
      const block = blockMs === undefined ? [] : ['BLOCK', blockMs]
      const reply = (await (redis as any).xreadgroup(
        'GROUP',
        group,
        consumer,
        'COUNT',
        count,
        ...block,
        'STREAMS',
        ...streams,
        ...streams.map(() => from),
      )) as [string, RawEntry[]][] | null
      return (reply ?? []).map(([stream, entries]) => ({ stream, entries: entries.map(toEntry) }))
    },
    async claimIdle(stream, group, consumer, minIdleMs, count) {
      const claimed: StreamEntry[] = []
      let cursor = '0-0'
      do {
        const [next, entries] = (await redis.xautoclaim(
          stream,
          group,
          consumer,
          minIdleMs,
          cursor,
          'COUNT',
          count,
        )) as [string, RawEntry[]]
        claimed.push(...entries.filter(([, fields]) => fields !== null).map(toEntry))
        cursor = next
      } while (cursor !== '0-0' && claimed.length < count)
      return claimed
    },
    async deliveries(stream, group, entryId) {
      const pending = (await redis.xpending(stream, group, entryId, entryId, 1)) as [
        string,
        string,
        number,
        number,
      ][]
      return pending[0]?.[3] ?? 0
    },
    async ack(stream, group, entryIds) {
      if (entryIds.length > 0) await redis.xack(stream, group, ...entryIds)
    },
    async deadLetter(stream, { group, entry, error, deliveries }) {
      await redis.xadd(
        deadLetterStream(stream),
        '*',
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
        ...Object.entries(entry.fields).flat(),
      )
    },
    async readDeadLetters(stream, count) {
      return ((await redis.xrange(deadLetterStream(stream), '-', '+', 'COUNT', count)) as RawEntry[]).map(
        toEntry,
      )
    },
    async deleteDeadLetters(stream, entryIds) {
      if (entryIds.length > 0) await redis.xdel(deadLetterStream(stream), ...entryIds)
    },
    async ping() {
      await redis.ping()
    },
    async close() {
      redis.disconnect()
    },
  }
}
