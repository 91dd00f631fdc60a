import { Redis } from 'ioredis'
import type { Bus } from './bus.ts'
import { scripts, streamCommands, type RunScript, type SendCommand } from './stream-commands.ts'

export interface RedisBusOptions {
  /**
   * For a connection that never blocks (the host's relays and health, a command-line tool): every
   * command fails after this long without an answer, also on a connection Redis accepted but no longer
   * serves. Not for a consumer group's connection: its blocking reads wait longer.
   */
  commandTimeoutMs?: number
  /**
   * Connects at the first command rather than at once, and sends it without asking Redis first whether
   * it is ready: a bus that may not be used costs nothing, and one used once costs one round trip less
   * (a command sent while Redis is still loading fails, and is tried again as any failure is).
   */
  lazy?: boolean
}

/**
 * The bus over one ioredis connection. A consumer group gets its own, because blocking reads hold it.
 * While Redis is down, commands fail within about a second rather than queue while the client backs
 * off, so relays, consumers, `/health` and shutdown do not wait on it.
 *
 * @example
 * const bus = createRedisBus('redis://127.0.0.1:6379')
 * const hostBus = createRedisBus('redis://127.0.0.1:6379', 'pitstop-host', { commandTimeoutMs: 2_000 })
 */
export function createRedisBus(
  url: string,
  name = 'pitstop',
  { commandTimeoutMs, lazy = false }: RedisBusOptions = {},
): Bus {
  // Unique, so `interrupt` can find this connection among the clients Redis lists.
  const connectionName = `${name}#${Math.random().toString(36).slice(2, 10)}`
  // RESP2: replies in the flat shapes stream-commands.ts reads, the same as Upstash's.
  const redis = new Redis(url, {
    connectionName,
    lazyConnect: lazy,
    enableReadyCheck: !lazy,
    protocol: 2,
    connectTimeout: 2_000,
    // Another attempt at least every half second; a command queued meanwhile fails after the second
    // failed one. (The defaults back off to 5 s and fail queued commands every 4th attempt: ~20 s.)
    retryStrategy: (attempt) => Math.min(attempt * 50, 500),
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    // A blocking read settles, empty, at the latest its BLOCK time plus the grace after it was sent (a
    // read without BLOCK, or one still queued, after `blockingTimeout`), also when the connection died
    // silently or was closed while reconnecting, which leaves queued commands unsettled otherwise.
    blockingTimeout: 5_000,
    blockingTimeoutGrace: 500,
    // close() on a connection Redis no longer serves: stop waiting for its goodbye after this long.
    disconnectTimeout: 500,
  })
  redis.on('error', () => {}) // reconnects on its own; callers see failed commands
  for (const [script, lua] of Object.entries(scripts)) redis.defineCommand(script, { lua })

  const call: SendCommand = (command, ...args) => redis.call(command, ...args) as Promise<never>
  // Commands defined by defineCommand take the key count first; EVALSHA, with EVAL as fallback.
  const runScript: RunScript = (script, keys, args) =>
    (redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[script]!(
      keys.length,
      ...keys,
      ...args,
    )

  return {
    ...streamCommands(call, runScript, { blocking: true }),
    async interrupt() {
      // A blocked connection takes no commands: another one asks Redis to end the read as timed out.
      const side = redis.duplicate({
        connectionName: `${name}-interrupt`,
        lazyConnect: true,
        connectTimeout: 1000,
        // TCP may connect to a Redis that never answers: bound the commands too, and do not wait for
        // a ready check that would not be bounded.
        commandTimeout: 1000,
        enableReadyCheck: false,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      })
      side.on('error', () => {})
      try {
        await side.connect()
        for (const id of await clientIdsNamed(side, connectionName)) await side.call('CLIENT', 'UNBLOCK', id)
      } finally {
        side.disconnect()
      }
    },
    async close() {
      redis.disconnect()
    },
  }
}

/** Ids of the clients connected to Redis under `name` (CLIENT LIST). */
export async function clientIdsNamed(redis: Redis, name: string): Promise<number[]> {
  const clients = String(await redis.call('CLIENT', 'LIST', 'TYPE', 'normal'))
  return [...clients.matchAll(/(?:^|\n)id=(\d+) [^\n]* name=(\S*)/g)]
    .filter(([, , clientName]) => clientName === name)
    .map(([, id]) => Number(id))
}
