import { Redis } from '@upstash/redis/cloudflare'
import { APPEND_AFTER } from './append-after.lua.ts'
import { deadLetterStream, type AppendResult, type Bus, type OutboxEntry, type StreamEntry } from './bus.ts'

export interface UpstashBusOptions {
  /** The REST endpoint, e.g. `https://eu1-example.upstash.io` (or the local bridge). */
  url: string
  token: string
}

type RawEntry = [id: string, fields: string[] | null]

function toEntry([id, fields]: RawEntry): StreamEntry {
  const record: Record<string, string> = {}
  for (let i = 0; fields && i < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!
  return { id, fields: record }
}

const seqOf = (id: string) => Number(id.slice(0, id.indexOf('-')))

/**
 * The bus over Upstash's REST API, for runtimes without TCP (workerd, Deno Deploy). Every call is one
 * HTTP request and holds no connection, so any number of consumers can share one bus.
 *
 * REST has no blocking reads: `readGroup` ignores `blockMs` and returns at once, empty when nothing is
 * new. Edge consumers poll (a cron trigger, or a loop that waits between empty reads).
 *
 * @example
 * const bus = createUpstashBus({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN })
 */
export function createUpstashBus({ url, token }: UpstashBusOptions): Bus {
  const closed = new AbortController()
  const redis = new Redis({
    url,
    token,
    // Envelopes are JSON strings and must come back as the same strings, not as parsed objects.
    automaticDeserialization: false,
    // Base64 on the wire (the client's default) keeps every byte, even where a value is not UTF-8.
    responseEncoding: 'base64',
    // One request per call: the bus issues its commands one after another, there is nothing to batch.
    enableAutoPipelining: false,
    // A function, so that aborting makes requests fail rather than answer the reason as their result.
    signal: () => closed.signal,
  })
  const appendAfter = redis.createScript<string>(APPEND_AFTER)
  const call = <T>(...command: [string, ...(string | number)[]]) => redis.exec<T>(command)

  return {
    async lastSeq(stream) {
      const top = await call<RawEntry[]>('XREVRANGE', stream, '+', '-', 'COUNT', 1)
      return top.length === 0 ? 0 : seqOf(top[0]![0])
    },
    async appendAfter(stream, expectedSeq, entries: OutboxEntry[]): Promise<AppendResult> {
      const args = entries.flatMap((e) => [String(e.seq), e.type, e.envelope])
      // EVALSHA first, EVAL once when Redis does not know the script yet.
      const result = await appendAfter.exec([stream], [String(expectedSeq), ...args])
      return result === 'ok' ? { ok: true } : { ok: false, lastSeq: Number(result) }
    },
    async ensureGroup(stream, group) {
      try {
        await call('XGROUP', 'CREATE', stream, group, '0', 'MKSTREAM')
      } catch (error) {
        if (!String(error).includes('BUSYGROUP')) throw error
      }
    },
    async readGroup({ group, consumer, streams, from, count }) {
      const reply = await call<[string, RawEntry[]][] | null>(
        'XREADGROUP',
        'GROUP',
        group,
        consumer,
        'COUNT',
        count,
        'STREAMS',
        ...streams,
        ...streams.map(() => from),
      )
      return (reply ?? []).map(([stream, entries]) => ({ stream, entries: entries.map(toEntry) }))
    },
    async claimIdle(stream, group, consumer, minIdleMs, count) {
      const claimed: StreamEntry[] = []
      let cursor = '0-0'
      do {
        const [next, entries] = await call<[string, RawEntry[]]>(
          'XAUTOCLAIM',
          stream,
          group,
          consumer,
          minIdleMs,
          cursor,
          'COUNT',
          count,
        )
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
    // Nothing stays open between requests; closing only makes requests in flight and later ones fail.
    async close() {
      closed.abort()
    },
  }
}
