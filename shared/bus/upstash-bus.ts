import { Redis } from '@upstash/redis/cloudflare'
import type { Bus } from './bus.ts'
import { scripts, streamCommands, type RunScript, type SendCommand } from './stream-commands.ts'

export interface UpstashBusOptions {
  /** The REST endpoint, e.g. `https://eu1-example.upstash.io` (or the local bridge). */
  url: string
  token: string
}

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
  const loaded = Object.fromEntries(
    Object.entries(scripts).map(([name, lua]) => [name, redis.createScript<string>(lua)]),
  )
  const call: SendCommand = (...command) => redis.exec(command)
  // EVALSHA first, EVAL once when Redis does not know the script yet.
  const runScript: RunScript = (script, keys, args) => loaded[script]!.exec(keys, args)

  return {
    ...streamCommands(call, runScript, { blocking: false }),
    // Reads never block here, so there is nothing to interrupt.
    async interrupt() {},
    // Nothing stays open between requests; closing only makes requests in flight and later ones fail.
    async close() {
      closed.abort()
    },
  }
}
