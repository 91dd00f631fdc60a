import { Redis } from 'ioredis'
import { APPEND_AFTER } from './append-after.lua.ts'
import type { AppendResult, Bus, OutboxEntry } from './bus.ts'
import { streamCommands, type SendCommand } from './stream-commands.ts'

/**
 * The bus over one ioredis connection. A consumer group gets its own, because blocking reads hold it.
 *
 * @example
 * const bus = createRedisBus('redis://127.0.0.1:6379')
 */
export function createRedisBus(url: string, name = 'pitstop'): Bus {
  // RESP2: replies in the flat shapes stream-commands.ts reads, the same as Upstash's.
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 3,
    lazyConnect: false,
    protocol: 2,
  })
  redis.on('error', () => {}) // reconnects on its own; callers see failed commands
  redis.defineCommand('appendAfter', { numberOfKeys: 1, lua: APPEND_AFTER })

  const call: SendCommand = (command, ...args) => redis.call(command, ...args) as Promise<never>

  return {
    ...streamCommands(call, { blocking: true }),
    async appendAfter(stream, expectedSeq, entries: OutboxEntry[]): Promise<AppendResult> {
      const args = entries.flatMap((e) => [String(e.seq), e.type, e.envelope])
      const result = (await (redis as any).appendAfter(stream, String(expectedSeq), ...args)) as string
      return result === 'ok' ? { ok: true } : { ok: false, lastSeq: Number(result) }
    },
    async close() {
      redis.disconnect()
    },
  }
}
